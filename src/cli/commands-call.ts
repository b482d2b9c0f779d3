import { openCatalog, readConfig } from '../config/index.js'
import type { Patchbay } from '../runtime/index.js'
import { printInfo, printInlineCall, requireJson } from './inline-commands.js'
import { openRuntime } from './open-runtime.js'
import { fail, finish, readJsonArgument } from './output.js'
import { wireCallInput } from './wire-input.js'

/**
 * `info [connector]`: the connectors without the store (those a database holds are read from it
 * when it exists, but nothing is opened for writing or created).
 */
export async function info(
  connectorId?: string,
  filter: { search?: string; category?: string } = {},
): Promise<void> {
  await printInfo(() => openCatalog(readConfig(process.env)), connectorId, filter)
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
  if (!options.connection) {
    await printInlineCall(() => openCatalog(readConfig(process.env)), connectorId, capability, options.json)
    return
  }
  let patchbay: Patchbay | undefined
  try {
    const input = wireCallInput(await readJsonArgument(requireJson(options.json)))
    patchbay = await openRuntime()
    finish(await patchbay.call(connectorId, capability, input, { connectionId: options.connection }))
  } catch (error) {
    fail(error, `cli:call ${connectorId}:${capability}`)
  } finally {
    await patchbay?.close()
  }
}
