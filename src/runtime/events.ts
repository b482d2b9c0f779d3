import type { RevocationReport } from './schemes/revocation-report.js'

/** Something that happened to a connection; the server turns these into outgoing webhooks. */
export type RuntimeEvent =
  | { type: 'connection.created'; connectionId: string; integrationId: string }
  | { type: 'connection.updated'; connectionId: string; integrationId: string }
  | {
      type: 'connection.deleted'
      connectionId: string
      integrationId: string
      /** What the provider said when its tokens were revoked (absent when nothing asked it). */
      revocation?: RevocationReport
    }
  | { type: 'connection.refreshed'; connectionId: string }
  | { type: 'connection.needs_reauth'; connectionId: string; reason: string }
  | { type: 'refresh.failed'; connectionId: string; reason: string }

export type RuntimeEventListener = (event: RuntimeEvent) => void
