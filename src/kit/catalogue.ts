import type { JsonObject } from './types.js'

/** One provider of a catalogue, as listed before its declaration is parsed. */
export interface CatalogueEntry {
  id: string
  name: string
  description: string | null
  categories: string[]
}

/**
 * A read-only set of JSON connector declarations that the runtime registers on first use, so a
 * process that lists or calls one provider does not parse and validate three hundred.
 */
export interface ConnectorCatalogue {
  /** Every provider id, sorted. */
  ids(): readonly string[]
  /** The listing of a provider, or undefined. */
  entry(id: string): CatalogueEntry | undefined
  /** The provider's JSON declaration (the documented connector form), or undefined. */
  definition(id: string): unknown
  /**
   * What `info` and `GET /connectors/:id` publish for it (`describeConnector` of the registered
   * connector), computed when the catalogue was compiled; `logo_url` is filled in by the runtime.
   */
  info(id: string): JsonObject | undefined
  /** The provider's logo as SVG text, or undefined. */
  logo(id: string): string | undefined
}

/**
 * The declarations of `catalogue/providers/`, checked and described; written as
 * `dist/catalogue.json` (entries and declarations) and `dist/catalogue-info.json` (id → info), so
 * a process that only calls a connector does not read the descriptions.
 */
export interface CompiledCatalogue {
  format: 1
  connectors: (CatalogueEntry & { definition: JsonObject; info: JsonObject })[]
}

/** What `patchbay info --search/--category` and `GET /connectors?search=&category=` keep. */
export interface ConnectorFilter {
  /** Case-insensitive text found in the id, name, description or a category. */
  search?: string
  /** A category the connector lists, exactly. */
  category?: string
}

/** Whether a described connector matches a filter. */
export function matchesFilter(info: JsonObject, filter: ConnectorFilter): boolean {
  const categories = Array.isArray(info['categories']) ? info['categories'].map(String) : []
  if (filter.category !== undefined && !categories.includes(filter.category)) return false
  if (filter.search !== undefined && filter.search !== '') {
    const needle = filter.search.toLowerCase()
    const haystack = [info['id'], info['name'], info['description'], ...categories]
      .filter((value): value is string => typeof value === 'string')
      .map((value) => value.toLowerCase())
    if (!haystack.some((value) => value.includes(needle))) return false
  }
  return true
}
