import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { PatchbayError } from '../errors.js'
import { connectionView, integrationView } from '../runtime/index.js'
import type { ConnectionPageQuery, Patchbay } from '../runtime/index.js'
import { printResponse } from './output.js'
import { withPatchbay } from './with-patchbay.js'

type Open = () => Promise<Patchbay>


interface IntegrationFlags {
  connector: string
  clientId?: string
  clientSecret?: string
  clientSecretStdin?: boolean
  webhookSecretStdin?: boolean
  scopes?: string
  redirectUri?: string
}

/** `integrations set|list|delete` and `connections list|show|delete`. */
export function registerAdminCommands(program: Command, open: Open): void {
  const integrations = program.command('integrations').description('Manage integrations (connector + app credentials)')
  integrations
    .command('set')
    .description('Create or update an integration')
    .argument('<id>', 'integration id, e.g. github-prod')
    .requiredOption('--connector <id>', 'the connector it installs')
    .option('--client-id <id>', 'OAuth client id')
    .option('--client-secret <secret>', 'OAuth client secret (prefer --client-secret-stdin)')
    .option('--client-secret-stdin', 'read the client secret from stdin, keeping it out of ps')
    .option('--webhook-secret-stdin', "read the key signing the provider's webhooks from stdin")
    .option('--scopes <list>', 'comma-separated scopes overriding the connector\'s')
    .option('--redirect-uri <url>', 'callback URL registered with the provider')
    .action(async (id: string, flags: IntegrationFlags) =>
      withPatchbay(open, 'cli:integrations set', async (patchbay) => {
        if (flags.clientSecretStdin && flags.webhookSecretStdin) {
          throw new PatchbayError('bad_request', 'stdin holds one secret: set them one at a time', {
            details: { problems: ['--webhook-secret-stdin: not with --client-secret-stdin'] },
          })
        }
        const secret = flags.clientSecretStdin ? readFileSync(0, 'utf8').trim() : flags.clientSecret
        const webhookSecret = flags.webhookSecretStdin ? readFileSync(0, 'utf8').trim() || null : undefined
        if (flags.redirectUri) {
          try {
            new URL(flags.redirectUri)
          } catch {
            throw new PatchbayError('bad_request', '--redirect-uri must be an absolute URL', {
              details: { problems: ['--redirect-uri: not a URL'] },
            })
          }
        }
        const existing = await patchbay.integrations.get(id)
        const integration = await patchbay.integrations.put({
          id,
          connectorId: flags.connector,
          clientId: flags.clientId ?? existing?.clientId ?? null,
          clientSecret: secret ?? existing?.clientSecret ?? null,
          scopes: flags.scopes ? flags.scopes.split(',').map((s) => s.trim()).filter(Boolean) : existing?.scopes ?? null,
          redirectUri: flags.redirectUri ?? existing?.redirectUri ?? null,
          ...(webhookSecret === undefined ? {} : { webhookSecret }),
        })
        printResponse(integrationView(integration))
      }),
    )
  integrations
    .command('list')
    .description('List integrations (client secrets are never shown)')
    .action(async () =>
      withPatchbay(open, 'cli:integrations list', async (patchbay) => {
        printResponse((await patchbay.integrations.list()).map(integrationView))
      }),
    )
  integrations
    .command('delete')
    .argument('<id>')
    .description('Delete an integration that has no connections')
    .action(async (id: string) =>
      withPatchbay(open, 'cli:integrations delete', async (patchbay) => {
        if (!(await patchbay.integrations.delete(id))) {
          throw new PatchbayError('not_found', `Integration "${id}" does not exist`)
        }
        printResponse({ deleted: id })
      }),
    )

  const connections = program.command('connections').description('Inspect and delete connections')
  connections
    .command('list')
    .option('--integration <id>', 'only this integration\'s connections')
    .option('--status <status>', 'only active, needs_reauth or error connections')
    .option('--limit <n>', 'connections per page, 1 to 1000', '100')
    .option('--cursor <token>', 'the page after this one: the previous answer\'s page.token')
    .description('List connections a page at a time, oldest first (credentials are never shown)')
    .action(async (flags: { integration?: string; status?: string; limit: string; cursor?: string }) =>
      withPatchbay(open, 'cli:connections list', async (patchbay) => {
        const limit = /^[0-9]{1,4}$/.test(flags.limit) ? Number(flags.limit) : Number.NaN
        const page = await patchbay.connections.page({
          ...(flags.integration ? { integrationId: flags.integration } : {}),
          ...(flags.status ? { status: flags.status as ConnectionPageQuery['status'] } : {}),
          limit,
          ...(flags.cursor ? { cursor: flags.cursor } : {}),
        })
        // The envelope's page, as a capability's: the token of the next page, null after the last.
        const next = page.nextCursor === null ? null : { token: page.nextCursor, size: limit }
        printResponse(page.connections.map(connectionView), next)
      }),
    )
  connections
    .command('import')
    .argument('<file>', 'JSON Lines (one connection per line) or a JSON array; - for stdin')
    .option('--batch-size <n>', 'connections per transaction', '1000')
    .description(
      'Import connections with their tokens: every line is checked first, nothing is written if one is bad',
    )
    .action(async (file: string, flags: { batchSize: string }) =>
      withPatchbay(open, 'cli:connections import', async (patchbay) => {
        const { importConnectionsFile } = await import('./commands-import.js')
        await importConnectionsFile(patchbay, file, flags)
      }),
    )
  connections
    .command('show')
    .argument('<id>')
    .description('Show one connection (credentials are never shown)')
    .action(async (id: string) =>
      withPatchbay(open, 'cli:connections show', async (patchbay) => {
        const connection = await patchbay.connections.get(id)
        if (!connection) throw new PatchbayError('not_found', `Connection "${id}" does not exist`)
        printResponse(connectionView(connection))
      }),
    )
  connections
    .command('delete')
    .argument('<id>')
    .description('Delete a connection')
    .action(async (id: string) =>
      withPatchbay(open, 'cli:connections delete', async (patchbay) => {
        const { deleted, revocation } = await patchbay.connections.disconnect(id)
        if (!deleted) throw new PatchbayError('not_found', `Connection "${id}" does not exist`)
        printResponse(revocation.attempted ? { deleted: id, revocation } : { deleted: id })
      }),
    )
}
