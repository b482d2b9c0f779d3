import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { PatchbayError } from '../errors.js'
import type { CatalogueEntry, CompiledCatalogue, ConnectorCatalogue } from '../kit/index.js'
import { compileCatalogue } from '../runtime/index.js'

// `src/config/` and `dist/config/` both sit two levels below the package root.
const PACKAGE_ROOT = new URL('../../', import.meta.url)

/** Where the catalogue lives: its declarations, its logos and the compiled file. */
export const CATALOGUE_PATHS = {
  providers: fileURLToPath(new URL('catalogue/providers/', PACKAGE_ROOT)),
  logos: fileURLToPath(new URL('catalogue/logos/', PACKAGE_ROOT)),
  compiled: fileURLToPath(new URL('dist/catalogue.json', PACKAGE_ROOT)),
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

export interface LoadCatalogueOptions {
  /** The compiled catalogue (`dist/catalogue.json` of this package by default). */
  compiled?: string
  /** Declarations compiled on the spot when the compiled file is absent (a source checkout). */
  providers?: string
  /** Where `<id>.svg` logos are read from. */
  logos?: string
}

/**
 * Patchbay's catalogue of provider declarations, for `createPatchbay({ catalogue })`. Reads the
 * compiled `dist/catalogue.json` (one file, no validation: `npm run build` checked it); each
 * declaration is parsed only when its connector is first used, each logo read when served.
 * @example
 * const patchbay = await createPatchbay({ store, catalogue: loadCatalogue() })
 * await patchbay.connectors.get('github')
 */
export function loadCatalogue(options: LoadCatalogueOptions = {}): ConnectorCatalogue {
  const compiledPath = options.compiled ?? CATALOGUE_PATHS.compiled
  const logos = options.logos ?? CATALOGUE_PATHS.logos
  const compiled: CompiledCatalogue = existsSync(compiledPath)
    ? (JSON.parse(readFileSync(compiledPath, 'utf8')) as CompiledCatalogue)
    : compileCatalogue(readCatalogueFiles(options.providers ?? CATALOGUE_PATHS.providers))
  const byId = new Map(compiled.connectors.map((entry) => [entry.id, entry]))
  const ids = [...byId.keys()].sort((a, b) => a.localeCompare(b))
  const logoCache = new Map<string, string | undefined>()
  return {
    ids: () => ids,
    entry(id: string): CatalogueEntry | undefined {
      const found = byId.get(id)
      if (!found) return undefined
      const { definition: _definition, ...entry } = found
      return entry
    },
    definition: (id: string) => byId.get(id)?.definition,
    logo(id: string): string | undefined {
      if (!byId.has(id)) return undefined
      if (!logoCache.has(id)) {
        const path = `${logos.replace(/\/+$/, '')}/${id}.svg`
        logoCache.set(id, existsSync(path) ? readFileSync(path, 'utf8') : undefined)
      }
      return logoCache.get(id)
    },
  }
}
