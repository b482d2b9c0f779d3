import { z } from 'zod'
import { PatchbayError } from '../../errors.js'
import type { JsonValue } from '../../errors.js'
import { applyErrorHandlers, checkUrlSettings, describeIssues, isJsonObject, isPaginated } from '../../kit/index.js'
import type { Capability, CapabilityContext, Connector, ErrorHandler, JsonObject, PageInfo } from '../../kit/index.js'
import { readProviderBody } from '../../engines/index.js'
import { errorFromProviderResponse } from '../fetch/provider-errors.js'

/**
 * A connector's capability by name. An unknown name is refused before the input is looked at,
 * with the names the connector has, so the caller sees the fix rather than a schema complaint.
 * @throws PatchbayError `not_implemented` listing the connector's capabilities
 */
export function capabilityOf(connector: Connector, name: string): Capability {
  const capability = Object.hasOwn(connector.capabilities, name) ? connector.capabilities[name] : undefined
  if (capability) return capability
  const known = Object.keys(connector.capabilities).sort()
  throw new PatchbayError(
    'not_implemented',
    `Connector "${connector.id}" has no capability "${name}"; its capabilities: ${known.join(', ') || 'none'}`,
    { details: { capabilities: known } },
  )
}

/** The input of a capability call, as the CLI and the HTTP API take it. */
export const callInputSchema = z.strictObject({
  auth: z.record(z.string(), z.json()).optional(),
  settings: z.record(z.string(), z.json()).optional(),
  request: z.json(),
  page: z
    .strictObject({ token: z.string().nullable().optional(), size: z.number().int().positive().nullable().optional() })
    .nullable()
    .optional(),
})

/**
 * Checks a value against a schema.
 * @throws PatchbayError `bad_request` naming every wrong field under `prefix`
 */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const problems = describeIssues(parsed.error, prefix)
  throw new PatchbayError('bad_request', `Invalid ${prefix || 'input'}: ${problems.join('; ')}`, {
    details: { problems },
  })
}

/**
 * Validates settings against the connector's schema and against every URL they fill, so a value
 * that would move a URL is refused before anything is stored or sent (issue 8).
 */
export function parseSettings(connector: Connector, settings: unknown): JsonObject {
  const parsed = parseOrThrow(connector.settings, settings ?? {}, 'settings')
  if (!isJsonObject(parsed)) {
    throw new PatchbayError('invalid_config', `Connector "${connector.id}" settings are not an object`)
  }
  checkUrlSettings(connector, parsed)
  return parsed
}

/** A capability's context: fetch, fetchJson (errors named by status), settings, page. */
export function capabilityContext(base: {
  settings: JsonObject
  credentials: JsonObject
  baseUrl: string
  fetch: CapabilityContext['fetch']
  page: PageInfo | null
  connectionId: string | null
}): CapabilityContext<JsonObject> {
  const fetchJsonResponse = async <T>(input: string | URL, init?: RequestInit) => {
    const response = await base.fetch(input, init)
    const body = await readProviderBody(response)
    if (!response.ok) {
      throw errorFromProviderResponse(init?.method ?? 'GET', response.url || String(input), response.status, body)
    }
    return { body: body as T, status: response.status, headers: response.headers }
  }
  return {
    ...base,
    fetchJsonResponse,
    fetchJson: async <T>(input: string | URL, init?: RequestInit) => (await fetchJsonResponse<T>(input, init)).body,
  }
}

/**
 * Runs a capability: validates the request, runs it, validates the response.
 * @throws PatchbayError `bad_request` for a wrong request, `invalid_response` for a wrong answer
 */
export async function runCapability(
  capability: Capability,
  ctx: CapabilityContext<JsonObject>,
  request: unknown,
  errorHandlers: readonly ErrorHandler[] = [],
): Promise<{ response: JsonValue; page: PageInfo | null }> {
  const parsedRequest = parseOrThrow(capability.request, request, 'request')
  let result: Awaited<ReturnType<Capability['run']>>
  try {
    result = await capability.run(ctx, parsedRequest)
  } catch (error) {
    throw applyErrorHandlers(errorHandlers, error)
  }
  const [response, page] = isPaginated(result) ? [result.response, result.page] : [result, null]
  const checked = capability.response.safeParse(response)
  if (!checked.success) {
    const problems = describeIssues(checked.error, 'response')
    throw new PatchbayError('invalid_response', `Capability returned an invalid response: ${problems.join('; ')}`, {
      details: { problems },
    })
  }
  return { response: (checked.data ?? null) as JsonValue, page }
}
