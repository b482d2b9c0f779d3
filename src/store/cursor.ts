import { PatchbayError } from '../errors.js'

/** The largest page {@link ConnectionStore.pageConnections} answers. */
export const MAX_PAGE_SIZE = 1000

/** Where a page of connections ends: the sort key of its last row. */
export interface ConnectionPosition {
  createdAt: number
  id: string
}

const PREFIX = 'c1.'

/**
 * The cursor after a row: opaque to callers (base64url of the row's sort key), the same for
 * every store implementation, so a cursor survives a restart or a move to another instance.
 */
export function encodeCursor(position: ConnectionPosition): string {
  return PREFIX + Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url')
}

/**
 * Reads a cursor made by {@link encodeCursor}.
 * @throws PatchbayError `bad_request` for anything else
 */
export function decodeCursor(cursor: string): ConnectionPosition {
  const refuse = () =>
    new PatchbayError('bad_request', 'cursor: not a cursor this API returned', {
      details: { problems: ['cursor: not a cursor this API returned'] },
    })
  if (!cursor.startsWith(PREFIX) || cursor.length > 400) throw refuse()
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8'))
  } catch {
    throw refuse()
  }
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !Number.isSafeInteger(value[0]) ||
    typeof value[1] !== 'string'
  ) {
    throw refuse()
  }
  return { createdAt: value[0] as number, id: value[1] }
}

/** @throws TypeError when a page size is not an integer from 1 to {@link MAX_PAGE_SIZE} */
export function assertPageSize(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new TypeError(`a page holds 1 to ${MAX_PAGE_SIZE} connections, got ${limit}`)
  }
}
