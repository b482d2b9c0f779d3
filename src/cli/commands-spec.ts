import { openApiDocument, readConfig } from '../config/index.js'
import { printJson } from './output.js'

/** `spec`: the HTTP API's OpenAPI 3.1 document, as `GET /openapi.json` serves it. */
export async function spec(): Promise<void> {
  printJson(await openApiDocument(readConfig(process.env)))
}
