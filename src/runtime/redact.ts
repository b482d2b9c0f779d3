import { isPatchbayError, PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'

/**
 * Every secret-looking string inside credentials, long enough to be worth masking, plus the
 * Basic encoding of a username and password, which a provider may echo from the header.
 */
export function secretValues(
  credentials: { [key: string]: JsonValue } | null | undefined,
): string[] {
  const found: string[] = []
  const visit = (value: JsonValue) => {
    if (typeof value === 'string' && value.length >= 6) found.push(value)
    else if (Array.isArray(value)) value.forEach(visit)
    else if (value && typeof value === 'object') {
      const { username, password } = value as { [key: string]: JsonValue }
      if (typeof username === 'string' && typeof password === 'string' && password !== '') {
        found.push(Buffer.from(`${username}:${password}`, 'utf8').toString('base64'))
      }
      Object.values(value).forEach(visit)
    }
  }
  if (credentials) visit(credentials)
  return found
}

/** Masks each known secret in a text, so a connector's own error message cannot leak one. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]')
  return out
}

/**
 * The same error with every known secret masked in its message and details, for errors that
 * reach a caller outside an envelope (a provider may echo the key it refused).
 */
export function redactError(error: unknown, secrets: readonly string[]): unknown {
  if (!isPatchbayError(error) || secrets.length === 0) return error
  const message = redactText(error.message, secrets)
  const details = error.details ? redactText(JSON.stringify(error.details), secrets) : undefined
  if (message === error.message && details === JSON.stringify(error.details)) return error
  return new PatchbayError(error.code, message, {
    ...(details === undefined ? {} : { details: JSON.parse(details) }),
    ...(error.appErrorCode ? { appErrorCode: error.appErrorCode } : {}),
    status: error.status,
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  })
}
