// Cucumber glue: a Lab per scenario, always closed, its record attached.
import { After, Before } from '@cucumber/cucumber';
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
