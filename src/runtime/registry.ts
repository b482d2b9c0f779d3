import { PatchbayError } from '../errors.js'
import { connectorFromJson, describeConnector, matchesFilter } from '../kit/index.js'
import type { Connector, ConnectorCatalogue, ConnectorFilter, JsonObject } from '../kit/index.js'

export interface RegistryOptions {
  /** Declarations registered on first use; a connector registered under the same id wins. */
  catalogue?: ConnectorCatalogue
  /** Turns a connector into the one the runtime runs (default capabilities, OIDC endpoints). */
  prepare?: (connector: Connector) => Connector
  /** The URL a catalogue connector's logo is served at (`GET /connectors/:id/logo`). */
  logoUrl?: (id: string) => string
}

/**
 * The connectors this runtime knows: built in, loaded from files, registered by the API, or
 * declared in the catalogue (parsed on first use, since validating every declaration costs about
 * a millisecond each and most processes need one).
 */
export function createRegistry(options: RegistryOptions = {}) {
  const { catalogue } = options
  const prepare = options.prepare ?? ((connector: Connector) => connector)
  const connectors = new Map<string, Connector>()
  const fromCatalogue = new Map<string, Connector>()

  // Every catalogue provider has a logo (the catalogue test checks); it is read when served.
  const logoOf = (id: string): string | undefined =>
    options.logoUrl && catalogue?.entry(id) !== undefined ? options.logoUrl(id) : undefined

  function loadFromCatalogue(id: string): Connector | undefined {
    const cached = fromCatalogue.get(id)
    if (cached) return cached
    const definition = catalogue?.definition(id)
    if (definition === undefined) return undefined
    const parsed = connectorFromJson(definition)
    const logoUrl = parsed.logoUrl ?? logoOf(id)
    const connector = prepare(logoUrl === undefined ? parsed : { ...parsed, logoUrl })
    fromCatalogue.set(id, connector)
    return connector
  }

  function find(id: string): Connector | undefined {
    return connectors.get(id) ?? loadFromCatalogue(id)
  }

  function allIds(): string[] {
    return [...new Set([...connectors.keys(), ...(catalogue?.ids() ?? [])])].sort((a, b) =>
      a.localeCompare(b),
    )
  }

  return {
    /** Adds or replaces a connector. */
    register(connector: Connector) {
      connectors.set(connector.id, connector)
    },
    /** Removes a registered connector; a catalogue declaration of the same id shows again. */
    unregister(id: string): boolean {
      return connectors.delete(id)
    },
    has(id: string): boolean {
      return connectors.has(id) || catalogue?.entry(id) !== undefined
    },
    /** The connector registered under `id` (or declared in the catalogue), or undefined. */
    find,
    /** @throws PatchbayError `not_found` */
    get(id: string): Connector {
      const connector = find(id)
      if (!connector) throw new PatchbayError('not_found', `Connector "${id}" is not registered`)
      return connector
    },
    /** Every connector, the catalogue's parsed (once) on the way. */
    list(): Connector[] {
      return allIds().flatMap((id) => {
        const connector = find(id)
        return connector ? [connector] : []
      })
    },
    /**
     * What `info` publishes about every connector the filter keeps; catalogue entries not used
     * yet come from the compiled catalogue without being parsed.
     */
    describe(filter: ConnectorFilter = {}): JsonObject[] {
      return allIds().flatMap((id) => {
        const registered = connectors.get(id) ?? fromCatalogue.get(id)
        let info: JsonObject | undefined
        if (registered) info = describeConnector(registered)
        else {
          const compiled = catalogue?.info(id)
          if (compiled) info = { ...compiled, logo_url: logoOf(id) ?? compiled['logo_url'] ?? null }
        }
        return info && matchesFilter(info, filter) ? [info] : []
      })
    },
    /**
     * The SVG logo of a catalogue connector, unless a registered connector of the same id brings
     * its own (one without a logo keeps the catalogue's, so pages show the provider's logo).
     */
    logo(id: string): string | undefined {
      return connectors.get(id)?.logoUrl ? undefined : catalogue?.logo(id)
    },
  }
}

export type Registry = ReturnType<typeof createRegistry>
