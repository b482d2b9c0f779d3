import { PatchbayError } from '../errors.js'
import { apiKeyView } from '../runtime/index.js'
import { openRuntime } from './open-runtime.js'
import { printResponse } from './output.js'
import { withPatchbay } from './with-patchbay.js'

// `keys create|list|revoke`: API keys stored by hash, accepted beside `PATCHBAY_API_KEY`; and
// `keys rotate`, the deprecated name of `encryption-keys rotate`.

/** `keys create [--name]`: the key's value is printed this once and never stored. */
export function createKey(flags: { name?: string }): Promise<void> {
  return withPatchbay(openRuntime, 'cli:keys create', async (patchbay) => {
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
  })
}

/** `keys list`: revoked keys included, values never shown. */
export function listKeys(): Promise<void> {
  return withPatchbay(openRuntime, 'cli:keys list', async (patchbay) => {
    printResponse((await patchbay.apiKeys.list()).map(apiKeyView))
  })
}

/**
 * `keys rotate`, the old name of `encryption-keys rotate` (API keys and encryption keys shared a
 * group): one deprecation line on stderr, then the same command, same options, same output.
 */
export async function rotateKeys(flags: { batchSize?: string }): Promise<void> {
  process.stderr.write(
    'patchbay keys rotate is deprecated and will be removed: use patchbay encryption-keys rotate\n',
  )
  const { rotateEncryptionKeys } = await import('./commands-encryption-keys.js')
  await rotateEncryptionKeys(flags, 'cli:keys rotate')
}

/** `keys revoke <id>`: requests using the key are refused from then on. */
export function revokeKey(id: string): Promise<void> {
  return withPatchbay(openRuntime, 'cli:keys revoke', async (patchbay) => {
    printResponse(apiKeyView(await patchbay.apiKeys.revoke(id)))
  })
}
