import { PatchbayError } from '../../errors.js'
import { applyPlacement } from '../../engines/index.js'
import type { JsonObject } from '../../kit/index.js'
import type { ResolvedConnection } from '../credentials/index.js'
import { clientOf } from '../credentials/token-endpoint.js'
import type { RuntimeDeps } from '../deps.js'
import { schemeRecordOf } from '../schemes/index.js'
import { confineUrl } from './confine-url.js'
import type { ForwardAnswer, ForwardBody, ForwardHeaders } from './forward-transport.js'
import { sendWithRetries } from './retry.js'
import { templateScopes } from './template-scopes.js'

/** A request to forward to a connection's provider, as the HTTP proxy received it. */
export interface ForwardRequest {
  method: string
  /** The path and query under the connector's base URL, as sent: `/repos/octo/hello?page=2`. */
  target: string
  /**
   * Headers to send on, lower-case names; the caller's own credentials and hop-by-hop headers
   * already removed. The connection's credentials replace any of the same name.
   */
  headers: ForwardHeaders
  /** The body: bytes, a stream of chunks read once, or null when there is none. */
  body: ForwardBody
  /** Aborts the provider request (the caller went away). */
  signal?: AbortSignal
  /** The integration the caller expects the connection to belong to; `bad_request` if not. */
  integration?: string
}

/**
 * The provider's answer: status, headers as the provider sent them (hop-by-hop ones included,
 * for the caller to drop) and the body as a stream, not yet read.
 */
export type ForwardResponse = ForwardAnswer

/**
 * The connection with its integration, connector and fresh credentials, read once (and from the
 * credential cache when it holds them), and checked against the integration the caller expects.
 */
async function resolveFor(
  deps: RuntimeDeps,
  id: string,
  expectedIntegration: string | undefined,
): Promise<ResolvedConnection> {
  const resolved = await deps.credentials.resolve(id)
  if (expectedIntegration && expectedIntegration !== resolved.connection.integrationId) {
    throw new PatchbayError(
      'bad_request',
      `Connection "${id}" is not a connection of "${expectedIntegration}"`,
      { details: { problems: ['Integration: does not match the connection'] } },
    )
  }
  return resolved
}

/** A body ready to send once or, when `replayable`, as often as needed. */
interface HeldBody {
  replayable: boolean
  take(): ForwardBody
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

/**
 * Reads a streamed body up to `limit` bytes: one that ends within them is held and can be sent
 * again (after a 401 or a retryable status); a longer one is sent once, what was read first and
 * the rest as it arrives, never held.
 */
async function holdBody(body: ForwardBody, limit: number): Promise<HeldBody> {
  if (body === null || body instanceof Uint8Array) return { replayable: true, take: () => body }
  // The iterator is driven by hand: leaving a `for await` early would destroy the stream.
  const iterator = body[Symbol.asyncIterator]()
  const head: Uint8Array[] = []
  let length = 0
  for (;;) {
    const next = await iterator.next()
    if (next.done) {
      const bytes = concat(head, length)
      return { replayable: true, take: () => bytes }
    }
    head.push(next.value)
    length += next.value.length
    if (length > limit) break
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield* head.splice(0)
    for (;;) {
      const next = await iterator.next()
      if (next.done) return
      yield next.value
    }
  }
  return { replayable: false, take: rest }
}

function headerValue(value: string | string[] | undefined): string | null {
  return value === undefined ? null : Array.isArray(value) ? (value[0] ?? null) : value
}

function toHeaders(headers: ForwardHeaders): Headers {
  const out = new Headers()
  for (const [name, value] of Object.entries(headers)) {
    for (const one of Array.isArray(value) ? value : [value]) out.append(name, one)
  }
  return out
}

/**
 * Forwards one request to a stored connection's provider: the connection, its integration and
 * fresh credentials are read once; the target is confined to the base URL; credentials are
 * placed (or the request signed) as the scheme's record says; a 401 renews the credentials once
 * and idempotent requests are retried on transient statuses honouring `Retry-After`, both only
 * when the body could be held for replay (up to `replayLimit`). Bodies stream both ways.
 * @throws PatchbayError `not_found`, `bad_request` (a target leaving the base URL, an integration
 *   that does not match), `needs_reauth`, `provider_error`, `timeout`
 */
export async function forwardRequest(
  deps: RuntimeDeps,
  id: string,
  request: ForwardRequest,
): Promise<ForwardResponse> {
  const resolved = await resolveFor(deps, id, request.integration)
  const { connection, integration, connector } = resolved
  const scheme = connector.auth
  const record = schemeRecordOf(scheme)
  const settings = connection.settings
  const url = confineUrl(request.target, deps.baseUrlOf(connector.id, settings))
  const method = request.method.toUpperCase()
  const body = await holdBody(request.body, deps.replayLimit)
  const sign = record.signer?.(scheme, () => clientOf(integration, resolved.credentials))
  const canRenew = record.canRenew(scheme, connection.credentials)
  const transport = deps.forward
  // `{{clientId}}` for placements that name the OAuth client (Twitch's `Client-Id` header).
  const context: JsonObject = integration?.clientId ? { clientId: integration.clientId } : {}

  const send = async (credentials: JsonObject) => {
    const placed = applyPlacement(
      { url, headers: new Headers() },
      scheme.apply,
      templateScopes({ scheme, settings, credentials, context }),
    )
    let headers: ForwardHeaders = { ...request.headers }
    placed.headers.forEach((value, name) => {
      headers[name] = value
    })
    const sent = body.take()
    if (sign) {
      const outgoing = { method, url: placed.url, headers: toHeaders(headers), body: sent }
      headers = Object.fromEntries(await sign(credentials, outgoing))
    }
    return transport.send({ method, url: placed.url, headers, body: sent, signal: request.signal })
  }

  let renewed = false
  let current: JsonObject | null = resolved.credentials
  const attempt = async (): Promise<ForwardAnswer> => {
    // The first attempt uses what was resolved; a retry asks again, as a refresh may have run.
    const credentials = current ?? (await deps.credentials.getCredentials(id))
    current = null
    const answer = await send(credentials)
    if (answer.status !== 401 || renewed || !canRenew || !body.replayable) return answer
    renewed = true
    await transport.discard(answer)
    return send(await deps.credentials.getCredentials(id, { force: true, stale: credentials }))
  }
  return sendWithRetries(
    attempt,
    { method, replayable: body.replayable, signal: request.signal ?? null },
    deps.retry,
    (answer) => ({
      status: answer.status,
      retryAfter: headerValue(answer.headers['retry-after']),
      discard: () => transport.discard(answer),
    }),
  )
}
