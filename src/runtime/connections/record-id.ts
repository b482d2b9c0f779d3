import { PatchbayError } from '../../errors.js'

/**
 * The shape of an id a caller chooses (connections, integrations): 1-128 letters, digits, `_`,
 * `.`, `:` or `-`, starting with a letter or digit. Such an id is safe in a URL path, a log line
 * and an HTML attribute without escaping tricks, and cannot be `.` or `..`.
 */
export const RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/

/**
 * Checks an integration id before it is stored (library, CLI and `PUT /integrations/:id` alike).
 * @throws PatchbayError `bad_request`
 */
export function checkIntegrationId(id: string): string {
  if (typeof id !== 'string' || !RECORD_ID.test(id)) {
    throw new PatchbayError(
      'bad_request',
      'An integration id must be 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit',
      { details: { problems: ['id: 1-128 letters, digits, "_", ".", ":" or "-"'] } },
    )
  }
  return id
}
