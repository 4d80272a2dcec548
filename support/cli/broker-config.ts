// The broker's config file (c8y-hil broker --config FILE), validated with the same schema library
// as the lab file: an unknown key (a typo), a wrong type or a bad value is named with the file and
// the key, every problem at once.
import { z } from 'zod';

const port = z.union([z.number().int().min(0).max(65535), z.literal('off'), z.null()], {
  error: 'a port number from 0 to 65535, "off" or null',
});
const credential = z.union([
  z.string(),
  z.strictObject({ tenant: z.string().min(1), user: z.string().min(1), password: z.string() }),
]);

export const brokerConfigSchema = z.strictObject({
  host: z.string().min(1).optional(),
  ports: z
    .strictObject({ mqtt: port.optional(), mqtts: port.optional(), ws: port.optional(), wss: port.optional() })
    .optional(),
  apiPort: port.optional(),
  credentials: z.array(credential).optional(),
  record: z.string().min(1).optional(),
  serverNames: z.array(z.string().min(1)).optional(),
  lastWill: z.enum(['ignore', 'deliver']).optional(),
  refuseDownstreamBeforeRegistration: z.boolean().optional(),
  pushPendingOnSubscribe: z.boolean().optional(),
  maxPacketSize: z.number().int().min(0).optional(),
  strictEscaping: z.boolean().optional(),
  strict: z.boolean().optional(),
  bootstrapPassword: z.string().optional(),
  autoAcceptRegistrations: z.boolean().optional(),
  deviceTenant: z.string().min(1).optional(),
  trustedCas: z.array(z.string().min(1)).optional(),
  templates: z.string().min(1).optional(),
  knownDevices: z.array(z.string().min(1)).optional(),
  apiToken: z.string().min(16).optional(),
  recordSync: z.boolean().optional(),
  recordWindow: z.number().int().min(1).optional(),
  apiOpen: z.boolean().optional(),
  redis: z.string().min(1).optional(),
  node: z.string().min(1).optional(),
  redisPrefix: z.string().min(1).optional(),
});

export type BrokerConfig = z.infer<typeof brokerConfigSchema>;

const fieldOf = (path: readonly PropertyKey[]) =>
  path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '') ||
  '(top)';

/** the settings, or every problem, each as "key: what is wrong" */
export function checkBrokerConfig(doc: unknown): { config: BrokerConfig } | { problems: string[] } {
  const parsed = brokerConfigSchema.safeParse(doc);
  if (parsed.success) return { config: parsed.data };
  return {
    problems: parsed.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `${fieldOf(i.path)}: unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}` +
          ' (c8y-hil broker --help lists the settings)'
        : `${fieldOf([...i.path])}: ${i.message}`,
    ),
  };
}
