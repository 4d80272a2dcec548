// Every check of the rulebook, by domain: pure functions over a record returning a verdict.
export * as connect from './connect.ts';
export * as sessions from './sessions.ts';
export * as qos from './qos.ts';
export * as topics from './topics.ts';
export * as smartrest from './smartrest.ts';
export * as operations from './operations.ts';
export * as hierarchy from './hierarchy.ts';
export * as platformData from './platform-data.ts';
export { within, throughout, type GrowingRecord } from './waiting.ts';
