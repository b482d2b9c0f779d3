import type { Connection } from '../../store/index.js'
import type { RuntimeDeps } from '../deps.js'
import { schemeRecordOf } from '../schemes/index.js'
import { NOT_ATTEMPTED } from '../schemes/revocation-report.js'
import type { RevocationReport } from '../schemes/revocation-report.js'

export type { RevocationReport } from '../schemes/revocation-report.js'

/** The outcome of deleting a connection: whether it was there, and the revocation report. */
export interface DisconnectResult {
  deleted: boolean
  revocation: RevocationReport
}

/**
 * Revokes a connection's tokens at the provider as its scheme's record says (OAuth 2: RFC 7009).
 * Never throws for the provider's sake: every provider failure is in the report, so the caller
 * can delete the connection whatever the provider says. A failing store is not hidden.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
async function revokeConnectionTokens(
  deps: RuntimeDeps,
  connection: Connection,
): Promise<RevocationReport> {
  const integration = await deps.store.getIntegration(connection.integrationId)
  // A connector that is no longer registered cannot say where to revoke.
  const connector = integration ? deps.registry.find(integration.connectorId) : undefined
  if (!integration || !connector) return NOT_ATTEMPTED
  const scheme = connector.auth
  const revoke = schemeRecordOf(scheme).revoke
  return revoke ? revoke(deps, scheme, connection, integration) : NOT_ATTEMPTED
}

/**
 * Deletes a connection: revokes its tokens at the provider when the connector says where, then
 * removes it locally whatever the provider answered, and announces `connection.deleted` with the
 * revocation report.
 */
export async function disconnectConnection(
  deps: RuntimeDeps,
  id: string,
): Promise<DisconnectResult> {
  const connection = await deps.store.getConnection(id)
  if (!connection) return { deleted: false, revocation: NOT_ATTEMPTED }
  const revocation = await revokeConnectionTokens(deps, connection)
  const deleted = await deps.store.deleteConnection(id)
  if (deleted) {
    deps.emit({
      type: 'connection.deleted',
      connectionId: id,
      integrationId: connection.integrationId,
      revocation,
    })
  }
  return { deleted, revocation }
}
