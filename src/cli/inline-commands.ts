import { PatchbayError } from '../errors.js'
import { describeConnector } from '../kit/index.js'
import type { ConnectorCatalog } from '../runtime/index.js'
import { fail, finish, printResponse, readJsonArgument } from './output.js'
import { wireCallInput } from './wire-input.js'

/** A catalog, opened only once the command's input is known to be good. */
export type CatalogOpener = () => ConnectorCatalog | Promise<ConnectorCatalog>

/**
 * Prints one connector's description, or the list, as `info` does: shared by `patchbay info` and
 * a connector package's own CLI (`runConnectorCli`).
 */
export async function printInfo(
  open: CatalogOpener,
  connectorId?: string,
  filter: { search?: string; category?: string } = {},
): Promise<void> {
  try {
    const catalog = await open()
    if (connectorId) printResponse(describeConnector(catalog.connectors.get(connectorId)))
    else printResponse({ connectors: catalog.connectors.describe(filter) })
  } catch (error) {
    fail(error, 'cli:info')
  }
}

/**
 * Calls a capability with the inline input of `--json` and prints the envelope, as `call` does
 * without `--connection`: shared by `patchbay call` and a connector package's own CLI.
 */
export async function printInlineCall(
  open: CatalogOpener,
  connectorId: string,
  capability: string,
  json: string | undefined,
): Promise<void> {
  try {
    const input = wireCallInput(await readJsonArgument(requireJson(json)))
    finish(await (await open()).call(connectorId, capability, input))
  } catch (error) {
    fail(error, `cli:call ${connectorId}:${capability}`)
  }
}

/** The `--json` argument, or a `bad_request` naming it. */
export function requireJson(json: string | undefined): string {
  if (json === undefined) {
    throw new PatchbayError('bad_request', '--json is required', {
      details: { problems: ['--json: required'] },
    })
  }
  return json
}
