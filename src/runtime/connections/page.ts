import { PatchbayError } from '../../errors.js'
import type { ConnectionPage, ConnectionStatus, ConnectionStore } from '../../store/index.js'

/** The page size when a caller names none. */
export const DEFAULT_PAGE_SIZE = 100
/** The largest page a caller may ask for. */
export const MAX_PAGE_SIZE = 1000

const STATUSES: readonly ConnectionStatus[] = ['active', 'needs_reauth', 'error']

/** What `patchbay.connections.page` takes; every part optional. */
export interface ConnectionPageQuery {
  integrationId?: string
  status?: ConnectionStatus
  /** 1 to 1000; 100 when left out. */
  limit?: number
  /** The `nextCursor` of the previous page. */
  cursor?: string | null
}

function refuse(problem: string): PatchbayError {
  return new PatchbayError('bad_request', problem, { details: { problems: [problem] } })
}

/**
 * One page of connections without credentials (nothing decrypted), oldest first; follow
 * `nextCursor` for the next. Bad input (a page size out of range, an unknown status, a cursor
 * that is not one) is a `bad_request` naming the field.
 */
export async function pageConnections(
  store: Pick<ConnectionStore, 'pageConnections'>,
  query: ConnectionPageQuery = {},
): Promise<ConnectionPage> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw refuse(`limit: an integer from 1 to ${MAX_PAGE_SIZE}`)
  }
  if (query.status !== undefined && !STATUSES.includes(query.status)) {
    throw refuse(`status: one of ${STATUSES.join(', ')}`)
  }
  return store.pageConnections({
    limit,
    ...(query.integrationId === undefined ? {} : { integrationId: query.integrationId }),
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.cursor ? { cursor: query.cursor } : {}),
  })
}
