import type { Command } from 'commander'
import { PatchbayError } from '../errors.js'
import { apiKeyView } from '../runtime/index.js'
import type { Patchbay } from '../runtime/index.js'
import { printResponse } from './output.js'
import { withPatchbay } from './with-patchbay.js'

type Open = () => Promise<Patchbay>


/**
 * `keys create|list|revoke`: API keys stored by hash, accepted beside `PATCHBAY_API_KEY`; and
 * `keys rotate`, which reseals stored secrets with the primary encryption key.
 */
export function registerKeysCommands(program: Command, open: Open): void {
  const keys = program
    .command('keys')
    .description('Manage API keys for the HTTP API (stored hashed); rotate the encryption key')
  keys
    .command('create')
    .description('Create an API key; its value is printed this once and never stored')
    .option('--name <name>', 'what the key is for, e.g. ci or billing-service')
    .action(async (flags: { name?: string }) =>
      withPatchbay(open, 'cli:keys create', async (patchbay) => {
        if (flags.name !== undefined && (flags.name.trim() === '' || flags.name.length > 200)) {
          throw new PatchbayError('bad_request', '--name must be 1 to 200 characters', {
            details: { problems: ['--name: 1 to 200 characters'] },
          })
        }
        const { key, apiKey } = await patchbay.apiKeys.issue({
          name: flags.name ?? null,
          createdBy: 'cli',
        })
        printResponse({ ...apiKeyView(apiKey), key })
      }),
    )
  keys
    .command('list')
    .description('List API keys, revoked ones included (values are never shown)')
    .action(async () =>
      withPatchbay(open, 'cli:keys list', async (patchbay) => {
        printResponse((await patchbay.apiKeys.list()).map(apiKeyView))
      }),
    )
  keys
    .command('rotate')
    .description(
      'Seal every stored secret again with the first key of PATCHBAY_ENCRYPTION_KEY, so older ' +
        'keys can leave it',
    )
    .action(async () =>
      withPatchbay(open, 'cli:keys rotate', async (patchbay) => {
        const report = await patchbay.resealSecrets()
        printResponse({
          primary_key_id: report.primaryKeyId,
          resealed: report.resealed,
          unreadable: report.unreadable,
          key_ids_in_use: report.keyIdsInUse,
        })
      }),
    )
  keys
    .command('revoke')
    .argument('<id>', 'the key id, key_…')
    .description('Revoke an API key; requests using it are refused from then on')
    .action(async (id: string) =>
      withPatchbay(open, 'cli:keys revoke', async (patchbay) => {
        printResponse(apiKeyView(await patchbay.apiKeys.revoke(id)))
      }),
    )
}
