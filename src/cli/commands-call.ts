import { openCatalog, readConfig } from '../config/index.js'
import { PatchbayError } from '../errors.js'
import { describeConnector } from '../kit/index.js'
import type { Patchbay } from '../runtime/index.js'
import { openRuntime } from './open-runtime.js'
import { fail, finish, printResponse, readJsonArgument } from './output.js'
import { wireCallInput } from './wire-input.js'

/**
 * `info [connector]`: the connectors without the store (those a database holds are read from it
 * when it exists, but nothing is opened for writing or created).
 */
export async function info(
  connectorId?: string,
  filter: { search?: string; category?: string } = {},
): Promise<void> {
  try {
    const catalog = await openCatalog(readConfig(process.env))
    if (connectorId) printResponse(describeConnector(catalog.connectors.get(connectorId)))
    else printResponse({ connectors: catalog.connectors.describe(filter) })
  } catch (error) {
    fail(error, 'cli:info')
  }
}

/**
 * `call <connector> <capability>`: with inline auth no database is opened (issue 9); with
 * `--connection` the runtime opens the store for the stored credentials.
 */
export async function call(
  connectorId: string,
  capability: string,
  options: { json?: string; connection?: string },
): Promise<void> {
  let patchbay: Patchbay | undefined
  try {
    if (options.json === undefined) {
      throw new PatchbayError('bad_request', '--json is required', {
        details: { problems: ['--json: required'] },
      })
    }
    const input = wireCallInput(await readJsonArgument(options.json))
    if (options.connection) {
      patchbay = await openRuntime()
      finish(await patchbay.call(connectorId, capability, input, { connectionId: options.connection }))
    } else {
      const catalog = await openCatalog(readConfig(process.env))
      finish(await catalog.call(connectorId, capability, input))
    }
  } catch (error) {
    fail(error, `cli:call ${connectorId}:${capability}`)
  } finally {
    await patchbay?.close()
  }
}
