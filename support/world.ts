// Cucumber world: holds the scenario's Lab and what the steps learned along the way.
import { World, setWorldConstructor, type IWorldOptions } from '@cucumber/cucumber';
import type { Lab } from './lab.ts';

export class HilWorld extends World {
  lab!: Lab;
  /** the connection id and CONNACK code of the latest connect step */
  lastConnect: { conn?: string; returnCode: number } | undefined;
  constructor(options: IWorldOptions) { super(options); }
}

setWorldConstructor(HilWorld);
