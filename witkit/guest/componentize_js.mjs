// Run by `witkit build` (witkit/guest/jsbuild.py) to build one JavaScript guest with the
// project's own componentize-js, from the folder the guest's files were staged in:
//
//   node componentize_js.mjs '{"componentize": ".../componentize.js", "source": "app.js",
//                             "wit": "/abs/wit", "world": "ns:pkg/world", "disable": [], "out": "/abs/out.wasm"}'
//
// It writes the component to `out`. On failure it prints one line `witkit-js: {json}` on
// stderr ({"message", and for a syntax error "file", "line", "column"}) and exits 1:
// componentize-js only counts the parse errors of the source, so oxc-parser (its own
// dependency) is asked where the first one is.

import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const MARK = 'witkit-js: ';
const job = JSON.parse(process.argv[2]);

function fail(report) {
  process.stderr.write(`${MARK}${JSON.stringify(report)}\n`);
  process.exit(1);
}

async function syntaxError(file) {
  try {
    const oxc = createRequire(job.componentize)('oxc-parser');
    const parsed = await oxc.parseAsync(file, await readFile(file, 'utf8'));
    const first = parsed.errors[0];
    if (!first) return null;
    const at = /\[[^\]]*?:(\d+):(\d+)\]/.exec(first.codeframe ?? '');
    return {
      file,
      line: at ? Number(at[1]) : null,
      column: at ? Number(at[2]) : null,
      message: `SyntaxError: ${first.message}`,
    };
  } catch {
    return null;
  }
}

let componentize;
try {
  ({ componentize } = await import(pathToFileURL(job.componentize).href));
} catch (e) {
  fail({ message: `cannot load componentize-js: ${e?.message ?? e}`, tool: true });
}

try {
  const { component } = await componentize({
    sourcePath: job.source,
    sourceName: job.source,
    witPath: job.wit,
    worldName: job.world,
    disableFeatures: job.disable,
  });
  await writeFile(job.out, component);
} catch (e) {
  const message = String(e?.message ?? e);
  const found = message.startsWith('failed to parse JS source') ? await syntaxError(job.source) : null;
  fail(found ?? { message });
}
