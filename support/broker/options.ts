// The broker's settings. Every behaviour SPEC.md marks "(option)" is here, with its default.
import type { Credential } from './credentials.ts';
import type { TlsMaterial } from './tls.ts';
import type { TrafficRecord } from '../record/record.ts';
import type { StandingListeners } from './standing-listeners.ts';
import type { RedisStore } from './persistence.ts';
import type { ClusterOptions } from './cluster.ts';

export type Transport = 'mqtt' | 'mqtts' | 'ws' | 'wss';
export const TRANSPORTS: readonly Transport[] = ['mqtt', 'mqtts', 'ws', 'wss'];

export interface BrokerOptions {
  /** address to bind (default 127.0.0.1) */
  host?: string;
  /** port per transport: 0 = ephemeral, null = off. Default: all four on ephemeral ports */
  ports?: Partial<{ [T in Transport]: number | null }>;
  /** accepted logins */
  credentials?: Credential[];
  /** names and addresses the generated server certificate also carries (the bind address is always in) */
  serverNames?: string[];
  /** TLS key, certificate and CA; generated at run time when absent */
  tls?: TlsMaterial;
  /** record to write into; else one is made (streaming to recordPath if given) */
  record?: TrafficRecord;
  recordPath?: string;
  /** SPEC 3: 'ignore' (default) never publishes a last will; 'deliver' processes it as an upstream publish */
  lastWill?: 'ignore' | 'deliver';
  /** SPEC 3: refuse s/ds and s/dc subscriptions before the device exists (default true) */
  refuseDownstreamBeforeRegistration?: boolean;
  /** SPEC 4: push pending operations again on a new s/ds subscription (default false) */
  pushPendingOnSubscribe?: boolean;
  /**
   * push pending operations (on 500, or on a new s/ds subscription) in one PUBLISH, a line each, as
   * the platform does (default false)
   */
  batchPendingOperations?: boolean;
  /** SPEC 4: largest packet accepted, in bytes on the wire (default 16184; 0 = no limit) */
  maxPacketSize?: number;
  /** SPEC 5: report deviations from the seed's escaping as findings (default true) */
  strictEscaping?: boolean;
  /** SPEC 8: strict runs count warnings as violations (default false) */
  strict?: boolean;
  /** SPEC 10: the password of management/devicebootstrap (default "bootstrap") */
  bootstrapPassword?: string;
  /** SPEC 10: accept every bootstrap registration as it comes (default false: accept through the API) */
  autoAcceptRegistrations?: boolean;
  /** SPEC 10: the tenant of credentials issued by bootstrap and of certificate logins (default: the first credential's, else t1) */
  deviceTenant?: string;
  /** SPEC 10: PEM CA certificates the tenant trusts for device certificates; none: the broker's own run-time CA */
  trustedCas?: string[];
  /** SPEC 9: template collections that exist before the run, by X-ID: their 10 and 11 lines */
  templateCollections?: Record<string, string[]>;
  /** device identifiers that exist on the platform before the run */
  knownDevices?: string[];
  /** benchmarks only: any client may publish and subscribe anywhere, so the same load runs on other brokers */
  openTopics?: boolean;
  /** keep MQTT sessions (subscriptions, queued QoS 1/2 messages) in Redis, so they survive a restart */
  sessionStore?: RedisStore;
  /**
   * one of several broker processes sharing a Redis (cluster.ts): sessions, aedes' message bus,
   * presence and the platform's inventory and operations are shared through it
   */
  cluster?: ClusterOptions;
  /** listeners that outlive this broker (a lab's fixed ports): ports and TLS are theirs, not opened here */
  standing?: StandingListeners;
  /** each chunk a device sends is in the record's file before the broker acts on it (--record-sync) */
  recordSync?: boolean;
  /** the most events the record keeps in memory for queries (the file keeps all); default all */
  recordWindow?: number;
  /** benchmarks only: false skips capturing traffic, to measure what recording costs (default true) */
  recording?: boolean;
}

export interface ResolvedOptions extends Required<
  Omit<BrokerOptions, 'tls' | 'record' | 'recordPath' | 'standing' | 'sessionStore' | 'cluster' | 'recordWindow'>
> {
  standing?: StandingListeners;
  sessionStore?: RedisStore;
  cluster?: ClusterOptions;
  recordWindow?: number;
  tls?: TlsMaterial;
  record?: TrafficRecord;
  recordPath?: string;
}

export const DEFAULT_MAX_PACKET_SIZE = 16184;

export function resolveOptions(o: BrokerOptions): ResolvedOptions {
  return {
    host: o.host ?? '127.0.0.1',
    ports: { mqtt: 0, mqtts: 0, ws: 0, wss: 0, ...o.ports },
    credentials: o.credentials ?? [],
    serverNames: o.serverNames ?? [],
    lastWill: o.lastWill ?? 'ignore',
    refuseDownstreamBeforeRegistration: o.refuseDownstreamBeforeRegistration ?? true,
    pushPendingOnSubscribe: o.pushPendingOnSubscribe ?? false,
    batchPendingOperations: o.batchPendingOperations ?? false,
    maxPacketSize: o.maxPacketSize ?? DEFAULT_MAX_PACKET_SIZE,
    strictEscaping: o.strictEscaping ?? true,
    strict: o.strict ?? false,
    bootstrapPassword: o.bootstrapPassword ?? 'bootstrap',
    autoAcceptRegistrations: o.autoAcceptRegistrations ?? false,
    deviceTenant: o.deviceTenant ?? o.credentials?.[0]?.tenant ?? 't1',
    trustedCas: o.trustedCas ?? [],
    templateCollections: o.templateCollections ?? {},
    knownDevices: o.knownDevices ?? [],
    openTopics: o.openTopics ?? false,
    recordSync: o.recordSync ?? false,
    recording: o.recording ?? true,
    ...(o.tls ? { tls: o.tls } : {}),
    ...(o.record ? { record: o.record } : {}),
    ...(o.standing ? { standing: o.standing } : {}),
    ...(o.sessionStore ? { sessionStore: o.sessionStore } : {}),
    ...(o.cluster ? { cluster: o.cluster } : {}),
    ...(o.recordWindow ? { recordWindow: o.recordWindow } : {}),
    ...(o.recordPath ? { recordPath: o.recordPath } : {}),
  };
}
