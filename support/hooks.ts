// Cucumber glue: a Lab per scenario, always closed, its record attached.
import { After, AfterStep, Before, BeforeStep } from '@cucumber/cucumber';
import { join, resolve } from 'node:path';
import { Lab } from './lab.ts';
import type { HilWorld } from './world.ts';

const RECORD_DIR = resolve(process.env.C8Y_HIL_RECORDS ?? join('reports', 'records'));

Before(async function (this: HilWorld, { pickle }) {
  this.lab = await Lab.start({ recordDir: RECORD_DIR, name: `${pickle.name}-${pickle.id.slice(0, 8)}` });
});

After(async function (this: HilWorld) {
  if (!this.lab) return;
  await this.lab.close();
  this.attach(`record: ${this.lab.recordPath}`, 'text/plain');
});

// the start and end of each step go into the record, so the traffic can be read against the steps
BeforeStep(function (this: HilWorld, { pickleStep }) {
  this.lab?.record.add('step', { action: 'start', text: pickleStep.text });
});

AfterStep(function (this: HilWorld, { pickleStep, result }) {
  this.lab?.record.add('step', { action: 'end', text: pickleStep.text, status: result.status });
});
