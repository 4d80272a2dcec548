// The emulator's console protocol, built for a browser page: the same reference firmware, with
// mqtt.js' browser bundle underneath. Lines go out through console.log, commands come in
// through window.c8yHil.command(line).
import { EmulatorConsole } from '../../emulator/console.ts';
import { Firmware } from '../../emulator/firmware.ts';

// a browser has no files: it verifies the broker's certificate itself
Firmware.readFile = () => '';

let emulator: EmulatorConsole | undefined;
let queue = Promise.resolve();

(globalThis as unknown as { c8yHil: unknown }).c8yHil = {
  start(serial: string): void { emulator = new EmulatorConsole(serial, (line) => console.log(`c8y-hil ${line}`)); },
  command(line: string): void { queue = queue.then(() => emulator!.handle(line)); },
};
