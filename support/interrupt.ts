// A run that was asked to stop (SIGINT or SIGTERM to `c8y-hil run`): the runner creates the file
// C8Y_HIL_INTERRUPT_FILE names, and every cucumber process sees it. The scenario under way stops
// waiting (its clean-up runs as after any failure: device disconnected and stopped, broker and
// record closed), the scenarios not begun are skipped, and cucumber ends its reports as usual.
// A cucumber process that gets SIGINT itself (run without c8y-hil) does the same; a second one
// ends it at once.
import { existsSync } from 'node:fs';

let interrupted = false;
let signals = 0;

export class RunInterrupted extends Error {
  constructor() {
    super('the run was interrupted (SIGINT or SIGTERM): the scenario stops here, its clean-up runs');
    this.name = 'RunInterrupted';
  }
}

export function isInterrupted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (!interrupted && env.C8Y_HIL_INTERRUPT_FILE && existsSync(env.C8Y_HIL_INTERRUPT_FILE)) interrupted = true;
  return interrupted;
}

/** once per process that loads the support code */
export function handleInterrupts(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      interrupted = true;
      if (++signals > 1) process.exit(130);
    });
  }
}
