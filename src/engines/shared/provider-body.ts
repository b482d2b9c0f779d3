import type { JsonValue } from '../../errors.js'

/**
 * Reads a provider's body as JSON when it is JSON, as an object when it is form-encoded, and as
 * text otherwise; null when empty. Providers mislabel content types, so JSON is tried on text too.
 */
export async function readProviderBody(response: Response): Promise<JsonValue> {
  const raw = await response.text()
  if (raw.trim() === '') return null
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw))
  }
  try {
    return JSON.parse(raw) as JsonValue
  } catch {
    if (/^[\w.%+-]+=[^&]*(&[\w.%+-]+=[^&]*)*$/.test(raw.trim())) {
      return Object.fromEntries(new URLSearchParams(raw.trim()))
    }
    return raw
  }
}
