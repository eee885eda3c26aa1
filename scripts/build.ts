// The production build: src/cli.ts and everything it imports, bundled by esbuild into dist/ as ES modules.
// One bundle instead of the ~3,000 files node_modules holds for the run path (@kubernetes/client-node
// alone ships 2,700 model files) takes about 40 MiB off the idle process: fewer module records and
// source strings on the heap, and tree shaking drops what the operator never calls
// (bench/results/footprint-*.md). Each subcommand stays a chunk of its own, loaded on demand, so
// `run` never loads the simulator. Type checking is `npm run typecheck`; this only strips types.
//
//   npm run build        (= node scripts/build.ts)

import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// No import from test/: the Dockerfile's build stage copies only src/ and this script.
const root = fileURLToPath(new URL('../', import.meta.url));
rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  outExtension: { '.js': '.js' },
  chunkNames: 'chunks/[name]-[hash]',
  // Whitespace and syntax only: identifiers keep their names, so stack traces and logged error names
  // still read as the source's.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'linked',
  // Some bundled CommonJS dependencies call require() for Node's built-ins; ESM output has no require.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'warning',
});
const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js'));
const kib = outputs.reduce((n, [, o]) => n + o.bytes, 0) / 1024;
console.log(`dist/: ${outputs.length} files, ${kib.toFixed(0)} KiB of JavaScript`);
