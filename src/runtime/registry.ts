import { PatchbayError } from '../errors.js'
import type { Connector } from '../kit/index.js'

/** The connectors this runtime knows: built in, loaded from files, or registered by the API. */
export function createRegistry(initial: Iterable<Connector> = []) {
  const connectors = new Map<string, Connector>()
  for (const connector of initial) connectors.set(connector.id, connector)
  return {
    /** Adds or replaces a connector. */
    register(connector: Connector) {
      connectors.set(connector.id, connector)
    },
    unregister(id: string): boolean {
      return connectors.delete(id)
    },
    has(id: string): boolean {
      return connectors.has(id)
    },
    /** The connector registered under `id`, or undefined. */
    find(id: string): Connector | undefined {
      return connectors.get(id)
    },
    /** @throws PatchbayError `not_found` */
    get(id: string): Connector {
      const connector = connectors.get(id)
      if (!connector) throw new PatchbayError('not_found', `Connector "${id}" is not registered`)
      return connector
    },
    list(): Connector[] {
      return [...connectors.values()].sort((a, b) => a.id.localeCompare(b.id))
    },
  }
}

export type Registry = ReturnType<typeof createRegistry>
