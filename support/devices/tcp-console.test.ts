// The tcp driver's console: telnet negotiation kept out of the lines, and a real ser2net in
// front of the emulator on a pseudo-terminal, raw and telnet, re-attached after ser2net restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrafficRecord } from '../record/record.ts';
import { ptyPair, socatMissing, stopProcess } from './emulated.ts';
import { ser2netMissing, startSer2net } from './ser2net.ts';
import { TcpConsole, TelnetFilter } from './tcp-console.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'c8y-hil.mjs');

test('telnet: options are refused, sub-negotiation and commands are dropped, IAC IAC is a 0xff byte', () => {
  const f = new TelnetFilter();
  const a = f.feed(Buffer.from([255, 251, 1, 72, 255, 253, 3, 73]));
  assert.deepEqual([a.text.toString(), [...a.reply]], ['HI', [255, 254, 1, 255, 252, 3]]);
  const b = f.feed(Buffer.from([255, 250, 24, 1, 255]));
  const c = f.feed(Buffer.from([240, 79, 255, 255, 75, 255, 241, 10]));
  assert.deepEqual([b.text.length, [...c.text], c.reply.length], [0, [79, 255, 75, 10], 0]);
});

const skip = socatMissing() ?? ser2netMissing();

for (const protocol of ['raw', 'telnet'] as const) {
  test(
    `over a real ser2net (${protocol}): lines both ways, and re-attached when ser2net restarts`,
    { skip },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'c8y-hil-tcp-'));
      const pty = await ptyPair(dir);
      const emulator = spawn(process.execPath, [BIN, 'emulate', '--tty', pty.board, '--serial', 'TCP-1'], {
        stdio: 'ignore',
      });
      let server = await startSer2net({ tty: pty.harness, baud: 115200, protocol, dir });
      const record = new TrafficRecord();
      const c = await TcpConsole.open('TCP-1', record, {
        host: '127.0.0.1',
        port: server.port,
        protocol,
        newline: '\n',
        reattachTimeoutMs: 5000,
      });
      try {
        const ask = async (line: string, expect: RegExp) => {
          for (let i = 0; ; i++) {
            const since = c.mark();
            await c.send(line);
            try {
              return await c.waitFor({ expect, timeoutMs: 300, since, what: line });
            } catch (e) {
              if (i > 30) throw e;
            }
          }
        };
        assert.match((await ask('ping', /^PONG/)).line, /^PONG$/);
        await server.stop();
        server = await startSer2net({ tty: pty.harness, baud: 115200, protocol, dir, port: server.port });
        assert.match((await ask('reset', /^READY/)).line, /^READY TCP-1$/);
        const actions = record.select({ kind: 'device' }).map((e) => e.action);
        // ser2net may take a connection and drop it while it starts: each drop is re-attached
        assert.deepEqual(
          [actions[0], actions[1], actions.at(-1)],
          ['console-open', 'console-vanished', 'console-reattached'],
        );
      } finally {
        await c.close();
        await server.stop();
        await stopProcess(emulator);
        await stopProcess(pty.socat);
        record.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
