// The shape of a static template entry. One entry per documented template is the whole of what
// the project knows about it: the reader, the platform model, the API, the reports and the step
// parameter types all read the catalogue.

export type ParamKind = 'text' | 'number' | 'integer' | 'time' | 'severity' | 'boolean';

export interface ParamSpec {
  name: string;
  kind?: ParamKind;
  required?: boolean;
  default?: string;
  /** allowed values (upper-case comparison) */
  values?: readonly string[];
}

export interface Measurement {
  fragment: string;
  series: string;
  value: number;
  unit?: string;
  time: string;
  type?: string;
}

/** the line read against its template: fixed parameters by name, then repeated groups */
export interface ReadLine {
  ok: true;
  template: UpstreamTemplate;
  values: Record<string, string>;
  groups: Record<string, string>[];
  /** every field after the template id, as sent (for templates whose rest is free-form, like 503) */
  rest: string[];
}

export type OperationStatus = 'PENDING' | 'EXECUTING' | 'SUCCESSFUL' | 'FAILED';

/** which operation a status line is about */
export type OperationSelector = { fragment: string } | { id: string } | { all: true };

/**
 * What an upstream line may do on the platform. The platform model implements it for the device the
 * line acts on; a catalogue entry's effect calls it. Anything refused throws (answered on s/e).
 */
export interface PlatformEffects {
  readonly deviceId: string;
  /** this line itself created the device (a first 100) */
  readonly justCreated: boolean;
  /** the time a line gave, or now */
  time(value?: string): string;
  /** set a fragment of the device's managed object (append: add to a list; ifAbsent: only when it has none) */
  setFragment(fragment: string, value: unknown, how?: { append?: boolean; ifAbsent?: boolean }): void;
  removeFragments(fragments: readonly string[]): void;
  /** remove the items of a list fragment that match every given field */
  removeListItems(fragment: string, items: readonly Record<string, unknown>[]): void;
  createChild(childId: string, name: string, type: string, isDevice: boolean): void;
  createService(externalId: string, serviceType: string, name: string, status: string): void;
  setServiceStatus(status: string): void;
  measure(measurements: Measurement[]): void;
  raiseAlarm(type: string, severity: string, text: string, time: string): void;
  changeAlarmSeverity(type: string, severity: string): void;
  clearAlarm(type: string): void;
  removeAlarmFragments(type: string, fragments: readonly string[]): void;
  createEvent(type: string, text: string, time: string, fragments?: Record<string, unknown>): void;
  removeEventFragments(type: string, fragments: readonly string[]): void;
  /** a line to the root device's s/ds (106, 124, 601, 603) */
  answer(fields: readonly (string | number)[]): void;
  children(): readonly string[];
  managedObjectId(): string;
  platformVersion(): string;
  supportedTemplates(): readonly number[];
  resendPending(): void;
  setOperationStatus(
    which: OperationSelector,
    to: OperationStatus,
    extra?: { reason?: string; result?: string[] },
  ): void;
  /** refuse the line: answered on s/e with the code, recorded under the rule */
  refuse(code: 41 | 45, rule: string, text: string): never;
}

export interface UpstreamTemplate {
  id: number;
  /** what the line is, for people (reports, errors) */
  name: string;
  params: readonly ParamSpec[];
  /** a group of parameters that may follow the fixed ones any number of times */
  repeat?: readonly ParamSpec[];
  /** how many groups at least */
  minRepeats?: number;
  /** the parameters after the fixed ones are free-form (503/506 results, whose meaning depends on the operation) */
  freeRest?: boolean;
  effect(p: PlatformEffects, line: ReadLine): void;
}

/** a downstream parameter: its name in the operation's JSON fragment */
export interface DownParam {
  name: string;
  values?: readonly string[];
  kind?: 'boolean' | 'integer';
}

export interface DownstreamTemplate {
  id: number;
  name: string;
  /** the operation fragment; undefined for answers (106, 124, 601, 603) that are not operations */
  fragment?: string;
  params: readonly DownParam[];
  /** a group that repeats after the fixed parameters, one group at least */
  repeat?: readonly DownParam[];
  /** the line's parameters in a shape of their own (527): check them, and make the JSON fragment */
  shape?: {
    check(params: readonly string[]): string | undefined;
    toJson(params: readonly string[]): unknown;
    fromJson(fragment: unknown): string[] | undefined;
  };
  /** a JSON fragment shape that tells this template from another with the same fragment (515/525, 520/526, 521/524) */
  prefersJson?(fragment: unknown): boolean;
}
