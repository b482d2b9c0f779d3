import { PatchbayError, isPatchbayError } from '../errors.js'
import { connectorFromJson, describeConnector, isJsonObject } from '../kit/index.js'
import type { CompiledCatalogue, Connector, JsonObject } from '../kit/index.js'
import { withDefaultCapabilities } from './capabilities/index.js'
import { bindOidc, createOidcDiscovery } from './oidc/index.js'

const offline = async (): Promise<Response> => {
  throw new PatchbayError('internal', 'Compiling the catalogue makes no request')
}

/**
 * The connector as a runtime registers it (default capabilities, OpenID Connect endpoints), so
 * its description is the one `info` prints for it after it is parsed.
 */
function asRegistered(connector: Connector): Connector {
  const discovery = createOidcDiscovery({ fetch: offline, now: () => 0 })
  return withDefaultCapabilities(bindOidc(connector, discovery), offline, () => 0)
}

/**
 * Checks every declaration against the connector schema and describes each as `info` will, for
 * `dist/catalogue.json` (`npm run build`). Duplicate ids and broken files stop the compile, each
 * named.
 * @throws PatchbayError `invalid_config` listing every problem, prefixed by the file
 */
export function compileCatalogue(files: readonly { name: string; json: unknown }[]): CompiledCatalogue {
  const problems: string[] = []
  const connectors: CompiledCatalogue['connectors'] = []
  const seen = new Set<string>()
  for (const file of files) {
    try {
      const connector = connectorFromJson(file.json)
      if (`${connector.id}.json` !== file.name) problems.push(`${file.name}: id "${connector.id}" is not the file name`)
      if (seen.has(connector.id)) problems.push(`${file.name}: duplicate id "${connector.id}"`)
      seen.add(connector.id)
      connectors.push({
        id: connector.id,
        name: connector.name,
        description: connector.description ?? null,
        categories: connector.categories,
        info: describeConnector(asRegistered(connector)),
        definition: (isJsonObject(file.json) ? file.json : {}) as JsonObject,
      })
    } catch (error) {
      if (!isPatchbayError(error)) throw error
      problems.push(`${file.name}: ${error.message}`)
    }
  }
  if (problems.length > 0) {
    throw new PatchbayError('invalid_config', `Invalid catalogue: ${problems.join('; ')}`, {
      details: { problems },
    })
  }
  connectors.sort((a, b) => a.id.localeCompare(b.id))
  return { format: 1, connectors }
}
