import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, extname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { PatchbayError } from '../errors.js'
import {
  CONNECTOR_MODULE_EXTENSIONS,
  installedPackages,
  loadConnectorFile,
  loadConnectorSources,
  resolvePackage,
} from './connector-files.js'
import type { PatchbayConfig } from './config.js'

const run = promisify(execFile)

/** What `patchbay connectors add` installed. */
export interface InstalledConnectors {
  /** The connectors now available, with the file or package they come from. */
  connectors: { id: string; name: string; source: string }[]
}

interface InstallOptions {
  /** Replace a file of the same name, or a connector of the same id from another source. */
  force?: boolean
  cwd?: string
}

const badRequest = (message: string, problems: string[]) =>
  new PatchbayError('bad_request', message, { details: { problems } })

/** The ids other sources of the connectors directory already define, by source. */
async function idsDefinedElsewhere(config: PatchbayConfig, except: string): Promise<Map<string, string>> {
  const { sources } = await loadConnectorSources({ dir: config.connectorsDir, configFile: null })
  return new Map([...sources].filter(([, source]) => source !== except))
}

/** Copies one connector file (JSON, JavaScript or TypeScript) into the connectors directory. */
async function addFile(config: PatchbayConfig, path: string, options: InstallOptions): Promise<InstalledConnectors> {
  const connectors = await loadConnectorFile(path, path)
  const target = join(config.connectorsDir, basename(path))
  if (resolve(target) !== resolve(path) && existsSync(target) && !options.force) {
    const same = readFileSync(target).equals(readFileSync(path))
    if (!same) {
      throw badRequest(`${target} exists: pass --force to replace it`, [`${basename(path)}: already in the connectors directory`])
    }
  }
  const others = await idsDefinedElsewhere(config, target)
  for (const connector of connectors) {
    const owner = others.get(connector.id)
    if (owner !== undefined && !options.force) {
      throw badRequest(`connector "${connector.id}" is already defined by ${owner}: pass --force to add it anyway`, [
        `id: "${connector.id}" is already defined by ${owner}`,
      ])
    }
  }
  mkdirSync(config.connectorsDir, { recursive: true })
  if (resolve(target) !== resolve(path)) copyFileSync(path, target)
  return { connectors: connectors.map(({ id, name }) => ({ id, name, source: target })) }
}

/**
 * Installs an npm package (a name, a tarball or a folder) into the connectors directory, which
 * becomes a small npm project; a package that exports no valid connector is removed again.
 */
async function addPackage(config: PatchbayConfig, spec: string): Promise<InstalledConnectors> {
  const dir = config.connectorsDir
  mkdirSync(dir, { recursive: true })
  const manifest = join(dir, 'package.json')
  if (!existsSync(manifest)) {
    writeFileSync(manifest, `${JSON.stringify({ name: 'patchbay-connectors', private: true }, null, 2)}\n`)
  }
  const before = new Set(installedPackages(dir))
  try {
    await run('npm', ['install', '--prefix', dir, '--save', '--no-audit', '--no-fund', '--loglevel=error', spec], {
      maxBuffer: 16 * 1024 * 1024,
    })
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim().split('\n').slice(-3).join(' ')
    throw badRequest(`npm could not install ${spec}${stderr ? `: ${stderr}` : ''}`, [`${spec}: npm install failed`])
  }
  const added = installedPackages(dir).filter((name) => !before.has(name))
  // Reinstalling a package already there adds no name: check the one the spec names.
  const names = added.length > 0 ? added : installedPackages(dir).filter((name) => spec === name || spec.startsWith(`${name}@`))
  try {
    const connectors = []
    for (const name of names) {
      for (const connector of await loadConnectorFile(name, resolvePackage(name, dir))) {
        connectors.push({ id: connector.id, name: connector.name, source: name })
      }
    }
    if (connectors.length === 0) throw badRequest(`${spec} exports no connector`, [`${spec}: no connector found`])
    return { connectors }
  } catch (error) {
    if (added.length > 0) {
      await run('npm', ['uninstall', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', ...added]).catch(() => {})
    }
    throw error
  }
}

/**
 * `patchbay connectors add`: a connector file is checked and copied into the connectors
 * directory; anything else (a package name, a tarball, a folder with a package.json) is
 * installed there with npm. A running `patchbay start` picks it up without a restart.
 * @throws PatchbayError `invalid_config` for a broken connector, `bad_request` for a clash
 */
export async function installConnector(
  config: PatchbayConfig,
  spec: string,
  options: InstallOptions = {},
): Promise<InstalledConnectors> {
  const path = resolve(options.cwd ?? process.cwd(), spec)
  if (existsSync(path) && statSync(path).isFile()) {
    const ext = extname(path)
    if (ext === '.json' || CONNECTOR_MODULE_EXTENSIONS.includes(ext)) return addFile(config, path, options)
    if (!path.endsWith('.tgz') && !path.endsWith('.tar.gz')) {
      throw badRequest(`${spec}: not a connector file (.json, .js, .ts) or a package`, [`${spec}: unsupported file type`])
    }
  }
  return addPackage(config, existsSync(path) ? path : spec)
}
