import { openApiDocument, openCatalog, readConfig } from '../config/index.js'
import { connectorOpenApiDocument } from '../kit/index.js'
import { fail, printJson } from './output.js'

/**
 * `spec [connector]`: the HTTP API's OpenAPI 3.1 document, as `GET /openapi.json` serves it; with
 * a connector, the document of that connector's capabilities as the API serves them.
 */
export async function spec(connectorId?: string): Promise<void> {
  const config = readConfig(process.env)
  if (connectorId === undefined) {
    printJson(await openApiDocument(config))
    return
  }
  try {
    const catalog = await openCatalog(config)
    printJson(connectorOpenApiDocument(catalog.connectors.get(connectorId), { serverUrl: config.publicUrl }))
  } catch (error) {
    fail(error, 'cli:spec')
  }
}
