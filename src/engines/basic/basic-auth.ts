/**
 * The credentials of an HTTP Basic header, without the scheme word.
 * @see https://www.rfc-editor.org/rfc/rfc7617#section-2
 */
export function basicCredentials(username: string, password: string): string {
  if (username.includes(':')) throw new TypeError('A Basic username cannot contain ":"')
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64')
}
