// The emulated device as a container image, built from local files because no registry can be
// reached: the node binary and the libraries it links, and the emulator bundled into one file,
// on an empty base (FROM scratch). Tagged by the hash of what went in, so it is built once.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { GenericContainer, getContainerRuntimeClient, ImageName } from 'testcontainers';

const here = dirname(fileURLToPath(import.meta.url));
export const EMULATOR_IMAGE = 'c8y-hil-emulator';

async function emulatorBundle(): Promise<string> {
  const r = await build({
    entryPoints: [join(here, 'container', 'entry.ts')], bundle: true, write: false, platform: 'node', format: 'esm', target: 'node20',
    external: ['serialport', '@serialport/parser-readline'], logLevel: 'silent',
    // some bundled CommonJS code calls require(): give the ESM bundle one
    banner: { js: "import { createRequire as __c8yRequire } from 'node:module'; const require = __c8yRequire(import.meta.url);" },
  });
  return r.outputFiles[0]!.text;
}

/** the shared libraries a binary links, as ldd lists them */
function linkedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return [...out.matchAll(/(\/\S+)/g)].map((m) => m[1]!).filter((p) => p !== binary);
}

let building: Promise<string> | undefined;

/** the tag of the emulator image, built now unless the engine already has it */
export function ensureEmulatorImage(): Promise<string> {
  building ??= (async () => {
    const bundle = await emulatorBundle();
    const node = process.execPath;
    const hash = createHash('sha256').update(bundle).update(readFileSync(node)).digest('hex').slice(0, 12);
    const tag = `${EMULATOR_IMAGE}:${hash}`;
    const client = await getContainerRuntimeClient();
    if (await client.image.exists(ImageName.fromString(tag))) return tag;
    const ctx = mkdtempSync(join(tmpdir(), 'c8y-hil-image-'));
    try {
      const root = join(ctx, 'rootfs');
      for (const file of [node, ...linkedLibraries(node)]) {
        const target = join(root, file === node ? '/usr/local/bin/node' : file);
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(file, target);
      }
      mkdirSync(join(root, 'app'), { recursive: true });
      mkdirSync(join(root, 'tmp'), { recursive: true });
      writeFileSync(join(root, 'app', 'emulator.mjs'), bundle);
      writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY rootfs/ /\nENTRYPOINT ["/usr/local/bin/node", "/app/emulator.mjs"]\nCMD ["--stdio"]\n');
      await GenericContainer.fromDockerfile(ctx).build(tag, { deleteOnExit: false });
      return tag;
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  })().catch((err) => { building = undefined; throw err; });
  return building;
}
