import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { PatchbayError } from '../errors.js'
import { CONNECTOR_MODULE_EXTENSIONS, loadConnectorFile } from './connector-files.js'

/** What `patchbay build` wrote. */
export interface BuiltConnector {
  /** The bundle: one ESM file. */
  bundle: string
  bytes: number
  /** The ids of the connectors it exports, as `patchbay connectors add` will load them. */
  connectors: string[]
}

export interface BundleOptions {
  /** The output file; `<dir>/dist/<name>.mjs` when absent. */
  out?: string
}

/**
 * Kept out of every bundle: the Patchbay that loads the bundle provides itself (`connectors add`
 * resolves these names to its own copy), so a connector runs on the runtime it is loaded into
 * and a bundle stays the size of the connector's own code (docs/decisions.md).
 */
export const PATCHBAY_EXTERNALS = ['@patchbay/core', '@patchbay/core/*']

const badRequest = (message: string, problem: string) =>
  new PatchbayError('bad_request', message, { details: { problems: [problem] } })

interface PackageManifest {
  name?: string
  main?: string
  exports?: unknown
}

function readManifest(dir: string): PackageManifest | undefined {
  const file = join(dir, 'package.json')
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageManifest
  } catch {
    throw badRequest(`${file} is not valid JSON`, 'package.json: not valid JSON')
  }
}

/** `exports["."]`'s file, whichever of its usual shapes it takes. */
function exportsEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports
  if (exports === null || typeof exports !== 'object') return undefined
  const root = (exports as Record<string, unknown>)['.'] ?? exports
  if (typeof root === 'string') return root
  if (root === null || typeof root !== 'object') return undefined
  const conditions = root as Record<string, unknown>
  const found = conditions['import'] ?? conditions['default'] ?? conditions['node']
  return typeof found === 'string' ? found : undefined
}

/**
 * The module a connector folder is built from: its TypeScript source (`src/index.ts`, so no
 * build step comes first), else its package's entry, else an `index` file.
 */
function entryOf(dir: string, manifest: PackageManifest | undefined): string | undefined {
  const candidates = [
    ...['src/index.ts', 'src/index.mts', 'src/index.js'],
    ...[exportsEntry(manifest?.exports), manifest?.main].filter((entry): entry is string => entry !== undefined),
    ...CONNECTOR_MODULE_EXTENSIONS.map((ext) => `index${ext}`),
  ]
  return candidates.map((candidate) => join(dir, candidate)).find((file) => existsSync(file))
}

/**
 * The bundle's entry: the connector module's exports as they are, plus a CLI when the file is
 * run by Node itself (`node acme.mjs info`). No top-level await: `connectors add` loads the
 * bundle through jiti, which does not allow it.
 */
function wrapperSource(entry: string): string {
  const from = JSON.stringify(entry)
  return `import * as connectorModule from ${from}
import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
export * from ${from}
const found = connectorModule.default ?? connectorModule.connector ?? connectorModule.connectors
export default found
const script = process.argv[1]
let isMain = false
try {
  isMain = script !== undefined && pathToFileURL(realpathSync(script)).href === import.meta.url
} catch {}
if (isMain) {
  const connector = Array.isArray(found) ? found[0] : found
  import('@patchbay/core/cli')
    .then(({ runConnectorCli }) => runConnectorCli(connector, process.argv))
    .catch((error) => {
      process.stderr.write(String(error && error.message ? error.message : error) + '\\n')
      process.exitCode = 1
    })
}
`
}

/** A connector source's entry module, its folder and the name its outputs take. */
export interface ConnectorEntry {
  entry: string
  dir: string
  name: string
}

/**
 * Finds the module to build from a connector folder (or a connector file).
 * @throws PatchbayError `bad_request` when there is none
 */
export function connectorEntry(source: string): ConnectorEntry {
  const path = resolve(source)
  if (!existsSync(path)) throw badRequest(`${source}: no such folder or file`, `${source}: not found`)
  const isFile = statSync(path).isFile()
  const dir = isFile ? dirname(path) : path
  const manifest = readManifest(dir)
  const entry = isFile ? path : entryOf(dir, manifest)
  if (entry === undefined) {
    throw badRequest(
      `${source}: no connector module found (src/index.ts, the package's main or exports, or index.ts/.js)`,
      `${source}: no entry module`,
    )
  }
  const name = isFile ? basename(path, extname(path)) : (manifest?.name?.split('/').pop() ?? basename(dir))
  return { entry, dir, name }
}

/** esbuild's failure as a `bad_request` naming each error's file and line. */
export function buildFailure(source: string, error: unknown): PatchbayError {
  const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? []
  const problems = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
  return new PatchbayError('bad_request', `${source} does not build: ${problems[0] ?? (error as Error).message}`, {
    details: { problems: problems.length > 0 ? problems : ['build failed'] },
  })
}

/**
 * `patchbay build`: bundles a connector folder (or one connector file) and its dependencies
 * into one ESM file that Node runs (`node acme.mjs info`, `… call <capability> --json`) and
 * `patchbay connectors add` installs. `@patchbay/core` stays outside (see PATCHBAY_EXTERNALS).
 * The bundle is loaded once before this returns, so a bundle that exports no connector is an
 * error here rather than at the server.
 * @throws PatchbayError `bad_request` for a missing entry or a build error, `invalid_config` for
 * a bundle that exports no valid connector
 */
export async function bundleConnector(source: string, options: BundleOptions = {}): Promise<BuiltConnector> {
  const { entry, dir, name } = connectorEntry(source)
  const out = resolve(options.out ?? join(dir, 'dist', `${name}.mjs`))

  const { build } = await import('esbuild')
  let code: string
  try {
    const result = await build({
      stdin: { contents: wrapperSource(entry), resolveDir: dir, sourcefile: 'patchbay-bundle-entry.mjs', loader: 'js' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Error envelopes name an exception's class (raised_by): keep the names.
      keepNames: true,
      legalComments: 'none',
      external: PATCHBAY_EXTERNALS,
      // CommonJS dependencies that `require` Node's modules need a real `require` in ESM.
      banner: {
        js: "import { createRequire as __patchbayCreateRequire } from 'node:module';\nconst require = __patchbayCreateRequire(import.meta.url);",
      },
      logLevel: 'silent',
    })
    code = result.outputFiles[0]?.text ?? ''
  } catch (error) {
    throw buildFailure(source, error)
  }
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, code)
  let connectors
  try {
    connectors = await loadConnectorFile(out, out)
  } catch (error) {
    // A bundle that is no connector is not left where `connectors add` might pick it up.
    rmSync(out, { force: true })
    throw error
  }
  return { bundle: out, bytes: Buffer.byteLength(code), connectors: connectors.map((connector) => connector.id) }
}
