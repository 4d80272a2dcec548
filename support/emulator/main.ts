// `c8y-hil emulate`: the reference device on a tty (the board end of a pty pair) or on stdio.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { readAgentConfig, runAgent } from './agent.ts';
import { Fleet } from './fleet.ts';
import { parseDuration } from '../devices/profile.ts';
import { AcmeConsole } from './acme-console.ts';
import { EmulatorConsole } from './console.ts';
import { optionProblem, UsageError } from '../cli/usage-error.ts';

export const EMULATE_HELP = `Usage: c8y-hil emulate (--tty PATH | --stdio | --agent CONFIG)
                       [--serial ID] [--baud N] [--dialect D]
       c8y-hil emulate --fleet N --agent CONFIG [--serial PREFIX] [--rate R] [--for DURATION]

Runs the emulated reference device. Its console (one command a line: c8y-hil emulate, then "help")
is the tty, or standard input and output with --stdio. With --agent it has no console: it reads
its broker settings from CONFIG (YAML: host, port, transport, tenant, user, password, clientId,
clean, keepalive, qos, ca), connects, and reconnects by itself until SIGTERM. --dialect acme7
(with --stdio) speaks the second reference board's AT dialect (fixtures/devices/acme7.yaml).

--fleet N runs N such agents in one process against the broker CONFIG names, for load and soak
tests: identifiers PREFIX1 … PREFIXN (default FLEET-), R measurements per device a second (default
0.2), each answering its operations; a line of figures a second; it stops after --for (else on
SIGINT or SIGTERM) and disconnects every device.
`;

export async function emulateCommand(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        tty: { type: 'string' },
        stdio: { type: 'boolean' },
        agent: { type: 'string' },
        dialect: { type: 'string' },
        serial: { type: 'string' },
        baud: { type: 'string' },
        fleet: { type: 'string' },
        rate: { type: 'string' },
        for: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(`${optionProblem(err as Error)} (see c8y-hil emulate --help)`);
  }
  if (values.help) {
    process.stdout.write(EMULATE_HELP);
    return 0;
  }
  if (values.fleet !== undefined) return runFleet(values);
  if ([values.tty, values.stdio, values.agent].filter(Boolean).length !== 1) {
    throw new UsageError('give exactly one of --tty PATH, --stdio and --agent CONFIG (see c8y-hil emulate --help)');
  }
  const serial = (values.serial as string | undefined) ?? 'HIL-EMU-1';
  if (values.agent) {
    await runAgent(serial, values.agent as string, (l) => process.stdout.write(l + '\n'));
    return 0;
  }
  let queue = Promise.resolve();

  const dialect = (values.dialect as string | undefined) ?? 'c8y-hil';
  if (dialect !== 'c8y-hil' && dialect !== 'acme7')
    throw new UsageError(`--dialect is c8y-hil or acme7, not '${dialect}'`);
  if (values.stdio) {
    const write = (l: string) => process.stdout.write(l + '\n');
    const console = dialect === 'acme7' ? new AcmeConsole(serial, write) : new EmulatorConsole(serial, write);
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (l) => {
      queue = queue.then(() => console.handle(l));
    });
    await new Promise<void>((resolve) => lines.once('close', () => resolve()));
    await queue;
    await console.firmware.reset();
    return 0;
  }

  // serialport is loaded only for a tty, so the stdio build (a container's) needs no native module
  const { SerialPort } = await import('serialport');
  const { ReadlineParser } = await import('@serialport/parser-readline');
  const port = new SerialPort({ path: values.tty as string, baudRate: Number(values.baud ?? 115200), autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((err) => (err ? reject(new UsageError(`cannot open the tty ${values.tty}: ${err.message}`)) : resolve())),
  );
  const console = new EmulatorConsole(serial, (l) => {
    port.write(l + '\n');
  });
  port.pipe(new ReadlineParser({ delimiter: '\n' })).on('data', (l: string) => {
    queue = queue.then(() => console.handle(l.replace(/\r$/, '')));
  });
  await new Promise<void>((resolve) => {
    port.once('close', () => resolve());
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await console.firmware.reset();
  if (port.isOpen) await new Promise<void>((r) => port.close(() => r()));
  return 0;
}

async function runFleet(values: Record<string, string | boolean | undefined>): Promise<number> {
  const size = Number(values.fleet);
  if (!Number.isInteger(size) || size < 1)
    throw new UsageError(`--fleet takes a number of devices, not '${values.fleet}'`);
  if (!values.agent) throw new UsageError('--fleet needs --agent CONFIG: the broker and login the devices use');
  const rate = values.rate === undefined ? 0.2 : Number(values.rate);
  if (!(rate >= 0))
    throw new UsageError(`--rate takes measurements per device a second (0 or more), not '${values.rate}'`);
  let forMs: number | undefined;
  try {
    forMs = values.for === undefined ? undefined : parseDuration(values.for, '--for');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const settings = readAgentConfig(values.agent as string, 'FLEET');
  const fleet = new Fleet({ size, settings, prefix: (values.serial as string | undefined) ?? 'FLEET-', rate });
  const line = () => {
    const s = fleet.stats();
    process.stdout.write(
      `fleet: ${s.connected}/${size} connected (${s.failed} failed, in ${s.connectMs} ms), ` +
        `${s.measurements} measurements sent, ${s.operations} operations answered\n`,
    );
  };
  await fleet.start();
  line();
  const every = setInterval(line, 1000);
  await new Promise<void>((resolve) => {
    if (forMs !== undefined) setTimeout(resolve, forMs);
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  clearInterval(every);
  await fleet.stop();
  line();
  return fleet.stats().failed > 0 ? 3 : 0;
}
