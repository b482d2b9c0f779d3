import type { Command } from 'commander'
import { PatchbayError } from '../errors.js'
import { describeConnector } from '../kit/index.js'
import type { Patchbay } from '../runtime/index.js'
import { fail, finish, printResponse, readJsonArgument } from './output.js'

type Open = () => Promise<Patchbay>

/** `info [connector]` and `call <connector> <capability>`. */
export function registerCallCommands(program: Command, open: Open): void {
  program
    .command('info')
    .description('Print the connectors, their capabilities, and their settings and auth fields as JSON Schema')
    .argument('[connector]', 'only this connector')
    .option('--search <text>', 'only connectors whose id, name, description or category contains it')
    .option('--category <name>', 'only connectors of this category (crm, support, dev-tools…)')
    .action(async (connectorId: string | undefined, options: { search?: string; category?: string }) => {
      let patchbay: Patchbay | undefined
      try {
        patchbay = await open()
        if (connectorId) printResponse(describeConnector(patchbay.connectors.get(connectorId)))
        else printResponse({ connectors: patchbay.connectors.describe(options) })
      } catch (error) {
        fail(error, 'cli:info')
      } finally {
        await patchbay?.close()
      }
    })

  program
    .command('call')
    .description('Call a capability; input {auth?, settings?, request, page?} or --connection')
    .argument('<connector>', 'connector id')
    .argument('<capability>', 'capability name, e.g. validate_credentials')
    .option('--json <input>', 'the input as JSON, - for stdin, or @file')
    .option('--connection <id>', 'use a stored connection instead of inline auth and settings')
    .action(async (connectorId: string, capability: string, options: { json?: string; connection?: string }) => {
      let patchbay: Patchbay | undefined
      try {
        if (options.json === undefined) {
          throw new PatchbayError('bad_request', '--json is required', {
            details: { problems: ['--json: required'] },
          })
        }
        const input = await readJsonArgument(options.json)
        patchbay = await open()
        const envelope = await patchbay.call(connectorId, capability, input, {
          ...(options.connection ? { connectionId: options.connection } : {}),
        })
        finish(envelope)
      } catch (error) {
        fail(error, `cli:call ${connectorId}:${capability}`)
      } finally {
        await patchbay?.close()
      }
    })
}
