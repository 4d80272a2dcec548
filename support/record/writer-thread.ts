// Entry of the record writer thread.
import { parentPort } from 'node:worker_threads';
import { handle } from './writer.ts';
import type { WriterMessage } from './batch.ts';

parentPort!.on('message', (m: WriterMessage) => handle(m));
