import { isPatchbayError, PatchbayError } from '../errors.js'
import { isJsonObject, parseBoundedJson } from '../kit/index.js'
import type { JsonObject } from '../kit/index.js'

/**
 * Reads the `settings` query parameter of `GET /auth/:integration/start` (a JSON object, for
 * connectors whose URLs are templated from settings such as `{{subdomain}}`).
 * @throws PatchbayError `bad_request` when it is not a JSON object
 */
export function settingsFromQuery(raw: string | undefined): JsonObject | undefined {
  if (raw === undefined || raw === '') return undefined
  let parsed: unknown
  try {
    parsed = parseBoundedJson(raw, 'settings')
  } catch (error) {
    if (isPatchbayError(error)) throw error
    parsed = undefined
  }
  if (!isJsonObject(parsed)) {
    throw new PatchbayError('bad_request', 'settings must be a JSON object', {
      details: { problems: ['settings: a JSON object'] },
    })
  }
  return parsed
}
