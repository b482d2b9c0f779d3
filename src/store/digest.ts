import { createHash } from 'node:crypto'

/**
 * The SHA-256 of a bearer value (an OAuth `state`, a connect token), in hex. Sessions are stored
 * under this digest so that reading the database does not yield a usable value.
 */
export function digestToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex')
}
