// The emulator for a container image: `c8y-hil emulate --stdio`, built into one file.
import { emulateCommand } from '../../emulator/main.ts';

emulateCommand(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: Error) => { process.stderr.write(`c8y-hil emulate: ${err.message}\n`); process.exitCode = 2; },
);
