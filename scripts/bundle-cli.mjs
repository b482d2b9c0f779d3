// Bundles the CLI (dist/cli/main.js, as tsc compiled it) into dist/bin/: the `patchbay` binary.
// A cold start spent most of its time finding, reading and compiling some 300 small ES modules
// (zod's alone are 95); in a few chunks they are read at once, and each command still loads
// only its own (`splitting` keeps the lazy `import()` of every command's module). dist/ stays
// the library, unbundled (issue 9, docs/performance.md).
import { build } from 'esbuild'
import { rmSync } from 'node:fs'

const OUT = 'dist/bin'

// `start` runs the server from dist/ itself, unbundled: the server reads files beside its
// modules (the Connect page script), and nothing about it is cold-start sensitive.
const serverFromDist = {
  name: 'server-from-dist',
  setup(bundle) {
    bundle.onResolve({ filter: /^\.\/commands-start\.js$/ }, () => ({
      path: '../cli/commands-start.js',
      external: true,
    }))
  },
}

// zod's namespace object carries its 40-odd message locales, which tree-shaking cannot drop
// through `import { z } from 'zod'`; Patchbay never switches locale, so only the default
// (English) one is bundled.
const englishOnly = {
  name: 'zod-english-only',
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: "export { default as en } from './en.js'",
      loader: 'js',
    }))
  },
}

rmSync(OUT, { recursive: true, force: true })
await build({
  entryPoints: { patchbay: 'dist/cli/main.js' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  // Names kept: error envelopes report an exception's class name.
  keepNames: true,
  legalComments: 'none',
  // Native modules, worker-thread transports, optional drivers and the connector-module loader
  // (jiti, loaded only when a connector module is met) and esbuild (`patchbay build`, a native
  // binary of its own) stay in node_modules.
  external: ['better-sqlite3', 'pg', 'pino', 'nodemailer', 'undici', 'jiti', 'esbuild'],
  plugins: [serverFromDist, englishOnly],
  // commander is CommonJS: its `require` of Node's modules needs a real `require`.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
})
