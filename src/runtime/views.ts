import type { JsonObject } from '../kit/index.js'
import type { Connection, Integration } from '../store/index.js'

/** A connection as the API and CLI show it: everything but the credentials. */
export function connectionView(connection: Connection): JsonObject {
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
export function integrationView(integration: Integration): JsonObject {
  return {
    id: integration.id,
    connector: integration.connectorId,
    client_id: integration.clientId,
    has_client_secret: integration.clientSecret !== null,
    scopes: integration.scopes,
    redirect_uri: integration.redirectUri,
    created_at: integration.createdAt,
    updated_at: integration.updatedAt,
  }
}
