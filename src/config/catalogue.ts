import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { PatchbayError } from '../errors.js'
import type { CatalogueEntry, CompiledCatalogue, ConnectorCatalogue, JsonObject } from '../kit/index.js'
import { compileCatalogue } from '../runtime/index.js'

// `src/config/` and `dist/config/` both sit two levels below the package root.
const PACKAGE_ROOT = new URL('../../', import.meta.url)

/** Where the catalogue lives: its declarations, its logos and the compiled files. */
export const CATALOGUE_PATHS = {
  providers: fileURLToPath(new URL('catalogue/providers/', PACKAGE_ROOT)),
  logos: fileURLToPath(new URL('catalogue/logos/', PACKAGE_ROOT)),
  compiled: fileURLToPath(new URL('dist/catalogue.json', PACKAGE_ROOT)),
}

/** The descriptions beside a compiled catalogue: `catalogue.json` → `catalogue-info.json`. */
function infoPathOf(compiledPath: string): string {
  return compiledPath.replace(/\.json$/, '-info.json')
}

/** Every `*.json` declaration of a directory, by file name, sorted. */
export function readCatalogueFiles(dir: string): { name: string; json: unknown }[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const path = `${dir.replace(/\/+$/, '')}/${name}`
      try {
        return { name, json: JSON.parse(readFileSync(path, 'utf8')) as unknown }
      } catch {
        throw new PatchbayError('invalid_config', `${path}: not valid JSON`, {
          details: { problems: [`${name}: not valid JSON`] },
        })
      }
    })
}

type StoredEntry = CatalogueEntry & { definition: JsonObject }

/** The two files `npm run build` writes for a compiled catalogue, as text. */
export function compiledCatalogueFiles(compiled: CompiledCatalogue): { entries: string; info: string } {
  const entries = compiled.connectors.map(({ info: _info, ...entry }) => entry)
  const info = Object.fromEntries(compiled.connectors.map((entry) => [entry.id, entry.info]))
  return { entries: JSON.stringify({ format: 1, connectors: entries }), info: JSON.stringify(info) }
}

/** Writes `dist/catalogue.json` and `dist/catalogue-info.json` (the build step). */
export function writeCompiledCatalogue(compiled: CompiledCatalogue, path = CATALOGUE_PATHS.compiled): void {
  const files = compiledCatalogueFiles(compiled)
  writeFileSync(path, files.entries)
  writeFileSync(infoPathOf(path), files.info)
}

export interface LoadCatalogueOptions {
  /** The compiled catalogue (`dist/catalogue.json` of this package by default). */
  compiled?: string
  /** Declarations compiled on the spot when the compiled file is absent (a source checkout). */
  providers?: string
  /** Where `<id>.svg` logos are read from. */
  logos?: string
}

/**
 * Patchbay's catalogue of provider declarations, for `createPatchbay({ catalogue })`. Nothing is
 * read until a connector is looked up; then the compiled `dist/catalogue.json` (one file, not
 * validated again: `npm run build` checked it), the descriptions only when connectors are listed,
 * a declaration parsed only when its connector is used, a logo read when served.
 * @example
 * const patchbay = await createPatchbay({ store, catalogue: loadCatalogue() })
 * await patchbay.connectors.get('github')
 */
export function loadCatalogue(options: LoadCatalogueOptions = {}): ConnectorCatalogue {
  const compiledPath = options.compiled ?? CATALOGUE_PATHS.compiled
  const logos = options.logos ?? CATALOGUE_PATHS.logos
  let byId: Map<string, StoredEntry> | undefined
  let ids: string[] = []
  let infos: Record<string, JsonObject> | undefined
  const logoCache = new Map<string, string | undefined>()

  const load = (): Map<string, StoredEntry> => {
    if (byId) return byId
    if (existsSync(compiledPath)) {
      const stored = JSON.parse(readFileSync(compiledPath, 'utf8')) as { connectors: StoredEntry[] }
      byId = new Map(stored.connectors.map((entry) => [entry.id, entry]))
    } else {
      const compiled = compileCatalogue(readCatalogueFiles(options.providers ?? CATALOGUE_PATHS.providers))
      byId = new Map(compiled.connectors.map(({ info: _info, ...entry }) => [entry.id, entry]))
      infos = Object.fromEntries(compiled.connectors.map((entry) => [entry.id, entry.info]))
    }
    ids = [...byId.keys()].sort((a, b) => a.localeCompare(b))
    return byId
  }
  const loadInfos = (): Record<string, JsonObject> => {
    load()
    infos ??= JSON.parse(readFileSync(infoPathOf(compiledPath), 'utf8')) as Record<string, JsonObject>
    return infos
  }

  return {
    ids: () => (load(), ids),
    entry(id: string): CatalogueEntry | undefined {
      const found = load().get(id)
      if (!found) return undefined
      const { definition: _definition, ...entry } = found
      return entry
    },
    definition: (id: string) => load().get(id)?.definition,
    info: (id: string) => (load().has(id) ? loadInfos()[id] : undefined),
    logo(id: string): string | undefined {
      if (!load().has(id)) return undefined
      if (!logoCache.has(id)) {
        const path = `${logos.replace(/\/+$/, '')}/${id}.svg`
        logoCache.set(id, existsSync(path) ? readFileSync(path, 'utf8') : undefined)
      }
      return logoCache.get(id)
    },
  }
}
