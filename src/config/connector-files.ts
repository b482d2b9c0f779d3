import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isPatchbayError, PatchbayError } from '../errors.js'
import { connectorFromJson } from '../kit/index.js'
import type { Connector } from '../kit/index.js'

/** Files a connectors directory may hold: JSON definitions and modules exporting connectors. */
export const CONNECTOR_MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']
const CONNECTOR_FILE_EXTENSIONS = ['.json', ...CONNECTOR_MODULE_EXTENSIONS]
/** npm's own files in a connectors directory that `patchbay connectors add` made a package. */
const NPM_FILES = new Set(['package.json', 'package-lock.json'])

/** A connector source that did not load: where it is and every problem found in it. */
export interface ConnectorLoadProblem {
  /** The file, or the package name as written. */
  source: string
  message: string
  problems: string[]
}

export interface LoadedConnectors {
  connectors: Connector[]
  /** Broken sources, each skipped; the others are in `connectors`. */
  problems: ConnectorLoadProblem[]
  /** The file or package each loaded connector id comes from. */
  sources: Map<string, string>
}

export interface ConnectorSources {
  /** The connectors directory: `.json`, `.js` and `.ts` files, and packages in its package.json. */
  dir: string
  /** `patchbay.config.{ts,js,json}`, listing connector files and npm packages; null for none. */
  configFile: string | null
}

// Patchbay's own package root: connector modules importing Patchbay get this copy, wherever
// Patchbay is installed (globally, with npx, or beside the connector).
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PUBLIC_ENTRY_POINTS: Record<string, string> = {
  '': 'dist/index.js',
  '/sandbox': 'dist/sandbox/index.js',
  '/oauth1': 'dist/oauth1.js',
  '/testing': 'dist/testing/index.js',
  '/cli': 'dist/connector-cli.js',
}
const PACKAGE_NAMES = ['patchbay', '@patchbay/core']

/** Patchbay's public module names (old and new package name), each to this copy's file. */
export function patchbayAliases(): Record<string, string> {
  const aliases: Record<string, string> = {}
  for (const name of PACKAGE_NAMES) {
    for (const [subpath, file] of Object.entries(PUBLIC_ENTRY_POINTS)) {
      aliases[`${name}${subpath}`] = join(PACKAGE_ROOT, file)
    }
  }
  return aliases
}

type ModuleImporter = (path: string) => Promise<unknown>

let importer: ModuleImporter | undefined

/**
 * Imports a connector module, TypeScript included, with no build step for its author. jiti is
 * loaded the first time a module is met, so JSON-only setups never pay for it; its module cache
 * is off so a changed file is read again when a server reloads its connectors.
 */
async function importModule(path: string): Promise<unknown> {
  if (!importer) {
    const { createJiti } = await import('jiti')
    const jiti = createJiti(import.meta.url, {
      alias: patchbayAliases(),
      moduleCache: false,
      fsCache: false,
      interopDefault: false,
    })
    importer = (file) => jiti.import(file)
  }
  return importer(path)
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A connector built in code (`defineConnector`) carries a zod settings schema; JSON a JSON Schema. */
function isBuiltConnector(value: Record<string, unknown>): boolean {
  return isObject(value['settings']) && typeof value['settings']['safeParse'] === 'function'
}

/** The connectors a module exports: `default`, `connector` or `connectors`, one or a list. */
function connectorsOfModule(exported: unknown): Connector[] {
  const namespace = isObject(exported) ? exported : {}
  // A CommonJS `module.exports = definition` arrives as the namespace itself.
  const bare = typeof namespace['id'] === 'string' && namespace['auth'] !== undefined ? exported : undefined
  const candidates = namespace['connectors'] ?? namespace['connector'] ?? namespace['default'] ?? bare
  const list = Array.isArray(candidates) ? candidates : candidates === undefined ? [] : [candidates]
  if (list.length === 0 || !list.every(isObject)) {
    throw new PatchbayError(
      'invalid_config',
      'exports no connector: export default defineConnector({…}) (or a JSON definition)',
      { details: { problems: ['default: expected a connector'] } },
    )
  }
  return list.map((value) => (isBuiltConnector(value) ? checkBuilt(value) : connectorFromJson(value)))
}

function checkBuilt(value: Record<string, unknown>): Connector {
  const problems: string[] = []
  if (typeof value['id'] !== 'string') problems.push('id: expected a string')
  if (typeof value['name'] !== 'string') problems.push('name: expected a string')
  if (!isObject(value['auth']) || typeof value['auth']['type'] !== 'string') {
    problems.push('auth: expected a scheme from oauth2(), apiKey(), basic() or oauth1()')
  }
  if (!isObject(value['capabilities'])) problems.push('capabilities: expected an object')
  if (problems.length > 0) {
    throw new PatchbayError('invalid_config', `Invalid connector: ${problems.join('; ')}`, {
      details: { problems },
    })
  }
  return value as unknown as Connector
}

/** Loads one connector file or resolved package entry; every failure becomes a load problem. */
async function loadSource(source: string, path: string): Promise<Connector[] | ConnectorLoadProblem> {
  try {
    if (extname(path) === '.json') {
      let json: unknown
      try {
        json = JSON.parse(readFileSync(path, 'utf8'))
      } catch {
        return { source, message: `${source}: not valid JSON`, problems: [`${basename(path)}: not valid JSON`] }
      }
      return [connectorFromJson(json)]
    }
    return connectorsOfModule(await importModule(path))
  } catch (error) {
    if (isPatchbayError(error)) {
      const problems = (error.details?.['problems'] as string[] | undefined) ?? [error.message]
      return { source, message: `${source}: ${error.message}`, problems }
    }
    // A module that throws while loading (syntax error, missing import): its message, not its stack.
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
    return { source, message: `${source}: ${message}`, problems: [message ?? 'failed to load'] }
  }
}

/**
 * Loads one connector file or package entry on its own (what `patchbay connectors add` checks
 * before installing it).
 * @throws PatchbayError `invalid_config` with the file and every wrong field
 */
export async function loadConnectorFile(source: string, path: string): Promise<Connector[]> {
  const loaded = await loadSource(source, path)
  if (Array.isArray(loaded)) return loaded
  throw new PatchbayError('invalid_config', loaded.message, { details: { problems: loaded.problems } })
}

/** The package names `patchbay connectors add` recorded in the directory's package.json. */
export function installedPackages(dir: string): string[] {
  const manifest = join(dir, 'package.json')
  if (!existsSync(manifest)) return []
  try {
    const json = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> }
    return Object.keys(json.dependencies ?? {}).sort()
  } catch {
    return []
  }
}

/** The entry of an npm package, resolved from `fromDir` like Node would (its `main`/`exports`). */
export function resolvePackage(name: string, fromDir: string): string {
  return createRequire(join(fromDir, 'noop.js')).resolve(name)
}

/**
 * A config file's content: JSON parsed, a module's default export (or its namespace).
 * @throws PatchbayError `invalid_config` for a file that does not parse or load
 */
export async function readConfigFile(configFile: string): Promise<unknown> {
  try {
    return extname(configFile) === '.json'
      ? JSON.parse(readFileSync(configFile, 'utf8'))
      : await importModule(configFile)
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new PatchbayError('invalid_config', `${configFile}: ${message}`, {
      details: { problems: [`${basename(configFile)}: ${message}`] },
    })
  }
}

/** The entries of a config file's `connectors` list: paths (from the file's folder) or packages. */
async function configEntries(configFile: string): Promise<{ source: string; path: string | null }[]> {
  const config = await readConfigFile(configFile)
  const connectors = isObject(config) ? config['connectors'] : undefined
  if (connectors !== undefined && (!Array.isArray(connectors) || !connectors.every((c) => typeof c === 'string'))) {
    throw new PatchbayError('invalid_config', `${configFile}: connectors must be a list of paths or package names`, {
      details: { problems: ['connectors: expected an array of strings'] },
    })
  }
  const base = dirname(configFile)
  return ((connectors ?? []) as string[]).map((entry) => {
    const isPath = entry.startsWith('.') || isAbsolute(entry)
    if (isPath) return { source: entry, path: resolve(base, entry) }
    try {
      return { source: entry, path: resolvePackage(entry, base) }
    } catch {
      return { source: entry, path: null }
    }
  })
}

/**
 * Loads every connector source: the connectors directory's files and installed packages, then
 * the config file's list. A broken source is reported with its path and the wrong fields, and
 * the others still load; a connector id given twice is a problem of the later source.
 */
export async function loadConnectorSources(sources: ConnectorSources): Promise<LoadedConnectors> {
  const entries: { source: string; path: string | null }[] = []
  const { dir } = sources
  if (existsSync(dir)) {
    for (const file of readdirSync(dir).sort()) {
      if (NPM_FILES.has(file) || file.endsWith('.d.ts') || !CONNECTOR_FILE_EXTENSIONS.includes(extname(file))) continue
      const path = join(dir, file)
      if (statSync(path).isFile()) entries.push({ source: path, path })
    }
    for (const name of installedPackages(dir)) {
      let path: string | null = null
      try {
        path = resolvePackage(name, dir)
      } catch {
        path = null
      }
      entries.push({ source: name, path })
    }
  }
  if (sources.configFile !== null) entries.push(...(await configEntries(sources.configFile)))

  const connectors: Connector[] = []
  const problems: ConnectorLoadProblem[] = []
  const seen = new Map<string, string>()
  for (const { source, path } of entries) {
    if (path === null || !existsSync(path)) {
      problems.push({ source, message: `${source}: not found`, problems: [`${source}: no such file or package`] })
      continue
    }
    const loaded = await loadSource(source, path)
    if (!Array.isArray(loaded)) {
      problems.push(loaded)
      continue
    }
    for (const connector of loaded) {
      const first = seen.get(connector.id)
      if (first !== undefined) {
        problems.push({
          source,
          message: `${source}: connector "${connector.id}" is already defined by ${first}`,
          problems: [`connector "${connector.id}" is already defined by ${first}`],
        })
        continue
      }
      seen.set(connector.id, source)
      connectors.push(connector)
    }
  }
  return { connectors, problems, sources: seen }
}

/** One line per broken source, for stderr or the log. */
export function describeLoadProblem(problem: ConnectorLoadProblem): string {
  const fields = problem.problems.filter((line) => !problem.message.includes(line))
  return `connector skipped: ${problem.message}${fields.length > 0 ? ` (${fields.join('; ')})` : ''}`
}
