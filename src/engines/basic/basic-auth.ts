import type { BasicScheme, JsonObject } from '../../kit/index.js'
import { readAuthFields } from '../apikey/api-key.js'

/**
 * The credentials of an HTTP Basic header, without the scheme word.
 * @see https://www.rfc-editor.org/rfc/rfc7617#section-2
 */
export function basicCredentials(username: string, password: string): string {
  if (username.includes(':')) throw new TypeError('A Basic username cannot contain ":"')
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64')
}

/**
 * Checks a username and password as entered, like any auth fields, and refuses a username with
 * ":" when it goes in a Basic header (RFC 7617 forbids it in a user-id) rather than on every later
 * request. A login scheme sends the username in its own request, where ":" is fine.
 * @see https://www.rfc-editor.org/rfc/rfc7617#section-2
 * @throws PatchbayError `bad_request` naming each wrong field
 */
export function readBasicFields(scheme: BasicScheme, input: JsonObject): JsonObject {
  if (scheme.login) return readAuthFields(scheme, input)
  return readAuthFields(scheme, input, {
    check: (name, value) =>
      name === 'username' && value.includes(':') ? 'cannot contain ":"' : undefined,
  })
}
