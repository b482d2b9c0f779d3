import { readFileSync } from 'node:fs'
import { PatchbayError } from '../errors.js'
import { connectionDeletedView, connectionView, integrationView, unknownIntegration } from '../runtime/index.js'
import type { ConnectionPageQuery } from '../runtime/index.js'
import { openRuntime } from './open-runtime.js'
import { printResponse } from './output.js'
import { withPatchbay } from './with-patchbay.js'

/** The flags of `integrations set`. */
export interface IntegrationFlags {
  connector: string
  clientId?: string
  clientSecret?: string
  clientSecretStdin?: boolean
  webhookSecretStdin?: boolean
  scopes?: string
  redirectUri?: string
}

/** `integrations set <id>`: creates or updates an integration. */
export function setIntegration(id: string, flags: IntegrationFlags): Promise<void> {
  return withPatchbay(openRuntime, 'cli:integrations set', async (patchbay) => {
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
  })
}

/** `integrations list`: client secrets are never shown. */
export function listIntegrations(): Promise<void> {
  return withPatchbay(openRuntime, 'cli:integrations list', async (patchbay) => {
    printResponse((await patchbay.integrations.list()).map(integrationView))
  })
}

/** `integrations delete <id>`: an integration that has no connections. */
export function deleteIntegration(id: string): Promise<void> {
  return withPatchbay(openRuntime, 'cli:integrations delete', async (patchbay) => {
    if (!(await patchbay.integrations.delete(id))) {
      throw unknownIntegration(id)
    }
    printResponse({ deleted: id })
  })
}

/** Flags of `connections list`. */
export interface ConnectionListFlags {
  integration?: string
  status?: string
  limit: string
  cursor?: string
}

/** `connections list`: one page, oldest first; credentials are never shown. */
export function listConnections(flags: ConnectionListFlags): Promise<void> {
  return withPatchbay(openRuntime, 'cli:connections list', async (patchbay) => {
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
  })
}

/** `connections import <file>`: every line checked first, then written in batches. */
export function importConnections(file: string, flags: { batchSize: string }): Promise<void> {
  return withPatchbay(openRuntime, 'cli:connections import', async (patchbay) => {
    const { importConnectionsFile } = await import('./commands-import.js')
    await importConnectionsFile(patchbay, file, flags)
  })
}

/** `connections show <id>`: credentials are never shown. */
export function showConnection(id: string): Promise<void> {
  return withPatchbay(openRuntime, 'cli:connections show', async (patchbay) => {
    const connection = await patchbay.connections.get(id)
    if (!connection) throw new PatchbayError('not_found', `Connection "${id}" does not exist`)
    printResponse(connectionView(connection))
  })
}

/**
 * `connections delete <id>`: revokes at the provider when it can, then deletes; prints what
 * `DELETE /connections/:id` answers (`{id, deleted, revocation?}`).
 */
export function deleteConnection(id: string): Promise<void> {
  return withPatchbay(openRuntime, 'cli:connections delete', async (patchbay) => {
    const { deleted, revocation } = await patchbay.connections.disconnect(id)
    if (!deleted) throw new PatchbayError('not_found', `Connection "${id}" does not exist`)
    printResponse(connectionDeletedView(id, revocation))
  })
}
