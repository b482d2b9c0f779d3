import type { Command } from 'commander'
import { openApiDocument, readConfig } from '../config/index.js'
import { printJson } from './output.js'

/** `spec`: the HTTP API's OpenAPI 3.1 document, as `GET /openapi.json` serves it. */
export function registerSpecCommand(program: Command): void {
  program
    .command('spec')
    .description('Print the OpenAPI 3.1 document of the HTTP API')
    .action(async () => {
      printJson(await openApiDocument(readConfig(process.env)))
    })
}
