import type { JsonValue } from '../errors.js'

/** Every secret-looking string inside credentials, long enough to be worth masking. */
export function secretValues(credentials: { [key: string]: JsonValue } | null | undefined): string[] {
  const found: string[] = []
  const visit = (value: JsonValue) => {
    if (typeof value === 'string' && value.length >= 6) found.push(value)
    else if (Array.isArray(value)) value.forEach(visit)
    else if (value && typeof value === 'object') Object.values(value).forEach(visit)
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
