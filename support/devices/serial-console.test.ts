// The serial driver: with serialport's mock binding for the line logic, and over real
// pseudo-terminals for locking, re-attaching after the port vanishes, and failing clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort, SerialPortMock } from 'serialport';
import { ReadlineParser } from '@serialport/parser-readline';
import { TrafficRecord } from '../record/record.ts';
import { SerialConsole } from './serial-console.ts';
import { ptyPair, socatMissing, stopProcess } from './emulated.ts';

const skipNoSocat = socatMissing();

test('lines both ways are framed and recorded (mock binding)', async () => {
  const MockBinding = SerialPortMock.binding;
  MockBinding.createPort('/dev/MOCK0', { echo: false, record: true });
  let mock: SerialPortMock | undefined;
  const record = new TrafficRecord();
  const c = await SerialConsole.open('MOCK', record, {
    path: '/dev/MOCK0',
    baudRate: 115200,
    newline: '\r\n',
    reattachTimeoutMs: 100,
    create: (o) => {
      mock = new SerialPortMock(o);
      return mock as unknown as SerialPort;
    },
  });
  const since = c.mark();
  await c.send('status');
  const port = (mock as unknown as { port: { recording: Buffer; emitData(d: string): void } }).port;
  assert.equal(port.recording.toString(), 'status\r\n');
  port.emitData('partial ');
  port.emitData('line\r\nSTATUS ok\r\n');
  const m = await c.waitFor({ expect: /^STATUS (\w+)/, timeoutMs: 500, since, what: 'status' });
  assert.equal(m.match[1], 'ok');
  assert.deepEqual(c.received, ['partial line', 'STATUS ok']);
  await assert.rejects(
    c.waitFor({ expect: /^NEVER/, timeoutMs: 30, since, what: 'never' }),
    /MOCK: never: no line matching \/\^NEVER\/ within 30 ms on the serial port \/dev\/MOCK0; the last lines were: "partial line", "STATUS ok"/,
  );
  await c.close();
  const lines = record.select({ kind: 'console' }).map((e) => `${e.dir} ${e.line}`);
  assert.deepEqual(lines, ['tx status', 'rx partial line', 'rx STATUS ok']);
  record.close();
  MockBinding.reset();
});

/** a board on the other end of a pty: answers "pong <n>" to every line */
async function board(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false, lock: false });
  await new Promise<void>((r, j) => port.open((e) => (e ? j(e) : r())));
  port.pipe(new ReadlineParser({ delimiter: '\n' })).on('data', (l: string) => port.write(`pong ${l}\n`));
  return port;
}

test(
  'over a real pty: locked, and re-attached when the port vanishes and comes back',
  { skip: skipNoSocat },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-pty-'));
    let pty = await ptyPair(dir);
    let far = await board(pty.board);
    const record = new TrafficRecord();
    const c = await SerialConsole.open('BOARD', record, {
      path: pty.harness,
      baudRate: 115200,
      newline: '\n',
      reattachTimeoutMs: 5000,
    });
    try {
      await assert.rejects(
        SerialConsole.open('AGAIN', undefined, {
          path: pty.harness,
          baudRate: 115200,
          newline: '\n',
          reattachTimeoutMs: 10,
        }),
        /cannot open the serial port .*harness-tty: .*lock/i,
      );
      let since = c.mark();
      await c.send('one');
      await c.waitFor({ expect: /^pong one$/, timeoutMs: 2000, since, what: 'first answer' });

      // the board re-enumerates: its tty goes away and comes back a moment later
      far.close();
      await stopProcess(pty.socat);
      await new Promise((r) => setTimeout(r, 300));
      pty = await ptyPair(dir);
      far = await board(pty.board);
      since = c.mark();
      await c.send('two'); // waits for the re-attach
      await c.waitFor({ expect: /^pong two$/, timeoutMs: 3000, since, what: 'answer after re-attach' });
      const actions = record.select({ kind: 'device' }).map((e) => e.action);
      assert.deepEqual(
        actions.filter((a) => a !== 'console-open'),
        ['console-vanished', 'console-reattached'],
      );
    } finally {
      await c.close();
      far.close();
      await stopProcess(pty.socat);
      record.close();
    }
  },
);

test(
  'over a real pty: a port that does not come back fails with an error that names it',
  { skip: skipNoSocat },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-pty-'));
    const pty = await ptyPair(dir);
    const c = await SerialConsole.open('GONE', undefined, {
      path: pty.harness,
      baudRate: 115200,
      newline: '\n',
      reattachTimeoutMs: 400,
    });
    const since = c.mark();
    const waiting = c.waitFor({ expect: /^never$/, timeoutMs: 5000, since, what: 'waiting' });
    await stopProcess(pty.socat);
    await assert.rejects(
      waiting,
      new RegExp(
        `the serial port ${pty.harness.replace(/[/.]/g, '\\$&')} vanished and did not come back within 400 ms`,
      ),
    );
    await assert.rejects(c.send('x'), /vanished and did not come back/);
    await c.close();
  },
);
