import { execFile } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { PatchbayError } from '../errors.js'
import { buildFailure, connectorEntry } from './connector-bundle.js'
import { patchbayAliases } from './connector-files.js'

const run = promisify(execFile)

/** The fuse Node's single-executable support looks for (Node's docs, "Single executable applications"). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

/** What `patchbay build --executable` wrote. */
export interface BuiltExecutable {
  executable: string
  bytes: number
}

/** What postject (the injector Node's docs name) exports. */
interface Postject {
  inject(file: string, name: string, data: Buffer, options: { sentinelFuse: string }): Promise<void>
}

/**
 * postject, from the project being built or from beside Patchbay: it is a tool for this one
 * command, so it is not a dependency (docs/decisions.md).
 */
function loadPostject(dir: string): Postject {
  for (const from of [join(dir, 'noop.js'), import.meta.url]) {
    try {
      return createRequire(from)('postject') as Postject
    } catch {
      // next place
    }
  }
  throw new PatchbayError('bad_request', '--executable needs postject: npm install --save-dev postject@1.0.0-alpha.6', {
    details: { problems: ['postject: not installed'] },
  })
}

/**
 * The executable's script: CommonJS (the only form Node 20 runs as a single executable), the
 * connector and all of Patchbay that it reaches inside, running the connector's CLI.
 */
function seaEntry(entry: string): string {
  return `const connectorModule = require(${JSON.stringify(entry)})
const { runConnectorCli } = require('@patchbay/core/cli')
const found = connectorModule.default ?? connectorModule.connector ?? connectorModule.connectors
runConnectorCli(Array.isArray(found) ? found[0] : found, process.argv)
`
}

/**
 * `patchbay build --executable`: one file that runs without Node installed (`./acme info`,
 * `./acme call …`), built with Node's single-executable support: an esbuild CommonJS bundle of
 * the connector and Patchbay, a preparation blob from `node --experimental-sea-config`, and a
 * copy of this Node binary with the blob injected by postject. Drivers for the store (SQLite,
 * PostgreSQL) stay out: a connector's CLI never opens a store.
 * @throws PatchbayError `bad_request` for a build error or a missing postject
 */
export async function buildExecutable(source: string, options: { out?: string } = {}): Promise<BuiltExecutable> {
  const { entry, dir, name } = connectorEntry(source)
  const out = resolve(options.out ?? join(dir, 'dist', name))
  const postject = loadPostject(dir)
  const work = mkdtempSync(join(tmpdir(), 'patchbay-sea-'))
  try {
    const script = join(work, 'main.cjs')
    const aliases = patchbayAliases()
    const { build } = await import('esbuild')
    try {
      await build({
        stdin: { contents: seaEntry(entry), resolveDir: dir, sourcefile: 'patchbay-executable-entry.cjs', loader: 'js' },
        outfile: script,
        bundle: true,
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        keepNames: true,
        legalComments: 'none',
        // This Patchbay, whichever copy the connector's folder holds.
        plugins: [
          {
            name: 'patchbay-itself',
            setup(bundle) {
              bundle.onResolve({ filter: /^@?patchbay(\/|$)/ }, (args) =>
                aliases[args.path] === undefined ? undefined : { path: aliases[args.path] as string },
              )
            },
          },
        ],
        external: ['better-sqlite3', 'pg', 'pg-native', 'esbuild', 'postject'],
        // ES modules that find files beside themselves get the executable's own location.
        define: { 'import.meta.url': '__patchbayScriptUrl' },
        banner: { js: "const __patchbayScriptUrl = require('node:url').pathToFileURL(__filename).href;" },
        logLevel: 'silent',
      })
    } catch (error) {
      throw buildFailure(source, error)
    }
    const blob = join(work, 'sea.blob')
    const config = join(work, 'sea-config.json')
    writeFileSync(config, JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true }))
    await run(process.execPath, ['--experimental-sea-config', config], { cwd: work })
    mkdirSync(dirname(out), { recursive: true })
    rmSync(out, { force: true })
    copyFileSync(process.execPath, out)
    chmodSync(out, 0o755)
    try {
      await postject.inject(out, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE })
    } catch (error) {
      rmSync(out, { force: true })
      throw new PatchbayError(
        'bad_request',
        `This Node binary (${process.execPath}) cannot become a single executable: ${(error as Error).message}`,
        { details: { problems: ['node: no single-executable support'] } },
      )
    }
    return { executable: out, bytes: readFileSync(out).byteLength }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
