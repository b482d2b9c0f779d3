import { z } from 'zod'
import { toWireKeys } from '../../kit/index.js'
import type { JsonObject } from '../../kit/index.js'
import type { ConnectionSummary, Integration } from '../../store/index.js'
import type { RevocationReport } from './revocation.js'

/** The public shape of a connection; the HTTP API documents and returns exactly this. */
export const connectionViewSchema = z.object({
  id: z.string(),
  integration: z.string(),
  account_name: z.string().nullable(),
  status: z.enum(['active', 'needs_reauth', 'error']),
  expires_at: z.number().int().nullable(),
  settings: z.record(z.string(), z.unknown()),
  last_error: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: z.number().int(),
  updated_at: z.number().int(),
})

/** The public shape of an integration: no client secret, only whether one is set. */
export const integrationViewSchema = z.object({
  id: z.string(),
  connector: z.string(),
  client_id: z.string().nullable(),
  has_client_secret: z.boolean(),
  has_webhook_secret: z.boolean(),
  scopes: z.array(z.string()).nullable(),
  redirect_uri: z.string().nullable(),
  /** The application pages its sign-in flow may return to (exact match). */
  signin_redirect_uris: z.array(z.string()).nullable(),
  /** `error` when the stored secrets cannot be decrypted; `last_error` says why. */
  status: z.enum(['active', 'error']),
  last_error: z.string().nullable(),
  created_at: z.number().int(),
  updated_at: z.number().int(),
})

export type ConnectionView = z.infer<typeof connectionViewSchema>
export type IntegrationView = z.infer<typeof integrationViewSchema>

/** A connection as the API and CLI show it: everything but the credentials. */
export function connectionView(connection: ConnectionSummary): ConnectionView {
  return {
    id: connection.id,
    integration: connection.integrationId,
    account_name: connection.accountName,
    status: connection.status,
    expires_at: connection.expiresAt,
    settings: connection.settings,
    last_error: connection.lastError,
    created_by: connection.createdBy,
    created_at: connection.createdAt,
    updated_at: connection.updatedAt,
  }
}

/** An integration as the API and CLI show it: the client secret only as "set or not". */
export function integrationView(integration: Integration): IntegrationView {
  return {
    id: integration.id,
    connector: integration.connectorId,
    client_id: integration.clientId,
    has_client_secret: integration.secretsUnreadable?.clientSecretStored ?? integration.clientSecret !== null,
    has_webhook_secret: integration.secretsUnreadable?.webhookSecretStored ?? integration.webhookSecret !== null,
    scopes: integration.scopes,
    redirect_uri: integration.redirectUri,
    signin_redirect_uris: integration.signinRedirectUris,
    status: integration.secretsUnreadable ? 'error' : 'active',
    last_error: integration.secretsUnreadable?.reason ?? null,
    created_at: integration.createdAt,
    updated_at: integration.updatedAt,
  }
}

/** What `GET /connections/:id/credentials` answers. */
export interface CredentialsView {
  connection_id: string
  expires_at: number | null
  /**
   * In wire names: an OAuth 2 connection's `access_token`, `token_type`, `refresh_token`,
   * `expires_at`, `scope` and `raw` (the provider's last token response without its tokens),
   * each present and null when unknown; another scheme's declared fields in snake_case (`api_key`).
   */
  credentials: JsonObject
}

/** A connection's fresh credentials as the API hands them out, keys in snake_case (issue 13). */
export function credentialsView(
  connectionId: string,
  connection: { expiresAt: number | null },
  credentials: JsonObject,
): CredentialsView {
  const wire = toWireKeys(credentials)
  // OAuth 2 tokens have one shape, whatever the provider left out.
  const shaped = typeof credentials['accessToken'] === 'string' && typeof credentials['tokenType'] === 'string'
    ? { refresh_token: null, expires_at: null, scope: null, raw: null, ...wire }
    : wire
  return { connection_id: connectionId, expires_at: connection.expiresAt, credentials: shaped }
}

/**
 * A deleted connection as `DELETE /connections/:id` (its 200 body) and `patchbay connections
 * delete` show it: the provider's revocation report when it was asked, nothing about it when not.
 */
export interface ConnectionDeletedView {
  id: string
  deleted: true
  revocation?: RevocationReport
}

/** The answer to a deletion; see {@link ConnectionDeletedView}. */
export function connectionDeletedView(id: string, revocation: RevocationReport): ConnectionDeletedView {
  return revocation.attempted ? { id, deleted: true, revocation } : { id, deleted: true }
}
