import type { AuthScheme, JsonObject } from '../../kit/index.js'
import { basicCredentials } from '../basic/basic-auth.js'

/**
 * The template variables a scheme's credentials offer: the stored fields themselves, plus
 * `basicAuth` (the Base64 of `username:password`) for password schemes.
 */
export function credentialVariables(scheme: AuthScheme, credentials: JsonObject): JsonObject {
  if (scheme.type !== 'basic') return credentials
  const { username, password } = credentials
  if (typeof username !== 'string' || username.includes(':')) return credentials
  // Some APIs take a key as the user-id and ignore the password (Freshdesk), so it may be absent.
  const secret = typeof password === 'string' ? password : ''
  return { ...credentials, basicAuth: basicCredentials(username, secret) }
}
