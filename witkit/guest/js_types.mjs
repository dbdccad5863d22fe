// Run by `witkit build --check` (witkit/guest/jscheck.py) to write the TypeScript declarations
// of one world for a JavaScript guest, with the project's own jco:
//
//   node js_types.mjs '{"jco": ".../@bytecodealliance/jco/package.json", "wit": "/abs/wit",
//                      "world": "ns:pkg/world", "out": "/abs/types/"}'
//
// It is what `jco guest-types` does (jco-transpile's generateGuestTypes), run here because
// jco 1.35.0's command cannot read a WIT folder: jco-transpile's WASI shim (preview2-shim
// 0.26) opens no folder unless told to, and the command tells it none. This driver opens the
// WIT folder alone, read through the same shim instance jco-transpile imports.
// On failure it prints one line `witkit-js: {"message"}` on stderr and exits 1.

import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

const MARK = 'witkit-js: ';
const job = JSON.parse(process.argv[2]);

try {
  const transpile = createRequire(job.jco).resolve('@bytecodealliance/jco-transpile');
  const shim = createRequire(transpile).resolve('@bytecodealliance/preview2-shim/filesystem');
  const fs = await import(pathToFileURL(shim).href);
  fs._setPreopens({ [job.wit]: job.wit });
  const { generateGuestTypes } = await import(pathToFileURL(transpile).href);
  const files = await generateGuestTypes(job.wit, { worldName: job.world, outDir: job.out });
  for (const [name, data] of Object.entries(files)) {
    await mkdir(dirname(name), { recursive: true });
    await writeFile(name, data);
  }
} catch (e) {
  process.stderr.write(`${MARK}${JSON.stringify({ message: String(e?.message ?? e) })}\n`);
  process.exit(1);
}
