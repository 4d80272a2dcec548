// c8y-hil as a library (the package's main export): the broker, the record and its queries, the
// rulebook with its checks and the audit, devices and their profiles, and the lab. The package
// ships TypeScript, run through tsx (a dependency), so these are also its types.
export { C8yBroker, grantedQos, type BoundPorts } from './broker/broker.ts';
export type { BrokerOptions, Transport } from './broker/options.ts';
export { Platform } from './broker/platform/platform.ts';
export { TrafficRecord } from './record/record.ts';
export type { RecordEvent } from './record/events.ts';
export { select, exactlyOnce, inOrder, topicMatches, matches, type EventFilter } from './record/query.ts';
export { RULES, finding, ruleOf, type Rule, type Severity } from './rules.ts';
export { audit, formatAudit, devicesIn, PASSIVE_RULES, type Audit } from './checks/audit.ts';
export type { Ctx, Verdict } from './checks/verdict.ts';
export * as checks from './checks/index.ts';
export type { Device, DeviceSettings } from './devices/device.ts';
export { driverNamed, registeredDrivers, type Driver, type DriverContext } from './devices/drivers/index.ts';
export { loadProfile, validateProfile, type Profile } from './devices/profile.ts';
export { Lab, LAB_LOGIN } from './lab.ts';
export { loadLab, labOfRun, LabFileError, type LabConfig } from './lab-file.ts';
export { parseLine, parsePayload, writeLine, writeField } from './smartrest/codec.ts';
export { runOutcome, readRunOutcome, type RunOutcome } from './report/outcomes.ts';
