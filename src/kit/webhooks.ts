import { z } from 'zod'
import type { JsonValue } from '../errors.js'

/**
 * How a provider signs the webhooks it sends, declared as data: an HMAC-SHA256 of the raw body
 * (or of a `{timestamp}`/`{body}` template) in a header, hex or base64. Logto's form is
 * `{ signatureHeader: 'logto-signature-sha-256', encoding: 'hex' }`; GitHub's adds
 * `prefix: 'sha256='`; Slack's uses a timestamp header and `v0:{timestamp}:{body}`.
 */
export interface HmacWebhookVerifier {
  /** The header carrying the signature, e.g. `logto-signature-sha-256`. */
  signatureHeader: string
  /** Only HMAC-SHA256 is supported; the default. */
  algorithm?: 'sha256'
  /** How the signature is written; `hex` by default. */
  encoding?: 'hex' | 'base64'
  /** Text before the signature in the header, such as `sha256=`. */
  prefix?: string
  /** The header carrying the time the provider signed (epoch seconds), when it sends one. */
  timestampHeader?: string
  /** How far that time may be from now, in seconds; 300 by default. */
  toleranceSeconds?: number
  /**
   * What is signed: `body` (the default), or a template of `{timestamp}` and `{body}` such as
   * `{timestamp}.{body}`.
   */
  signedPayload?: 'body' | '{timestamp}.{body}' | (string & {})
}

/** A verifier after {@link normalizeWebhooks}: every default filled in. */
export interface NormalizedHmacVerifier {
  signatureHeader: string
  algorithm: 'sha256'
  encoding: 'hex' | 'base64'
  prefix: string
  timestampHeader?: string
  toleranceSeconds: number
  signedPayload: string
}

/**
 * Checks a webhook request in code: true when `rawBody` and `headers` carry a valid signature
 * made with `secret` (the integration's webhook secret). Throwing counts as false.
 */
export type WebhookVerifyFunction = (
  rawBody: Uint8Array,
  headers: Headers,
  secret: string,
) => boolean | Promise<boolean>

/** A verified provider event as Patchbay forwards it. */
export interface WebhookEvent {
  type: string
  data: JsonValue
}

/** What a connector's webhook `handle` receives beside the parsed payload. */
export interface WebhookContext {
  integrationId: string
  headers: Headers
  rawBody: Uint8Array
}

/** A connector's incoming webhooks: how they are verified and what they mean. */
export interface ConnectorWebhooks {
  verify: HmacWebhookVerifier | WebhookVerifyFunction
  /**
   * Maps the provider's payload (parsed JSON, or the text when it is not JSON) to an event;
   * null acknowledges the request without forwarding anything (pings, events of no interest).
   */
  handle?: (
    payload: JsonValue,
    ctx: WebhookContext,
  ) => WebhookEvent | null | Promise<WebhookEvent | null>
  /** Without `handle`: the dot path of the event type in the payload (`type`, then `event`). */
  typePath?: string
  /**
   * The header carrying the delivery's unique id (GitHub: `x-github-delivery`); Standard
   * Webhooks' `webhook-id` by default. A verified request whose id was already received within
   * the replay window is refused.
   */
  idHeader?: string
}

/** {@link ConnectorWebhooks} after {@link normalizeWebhooks}. */
export interface NormalizedWebhooks extends Omit<ConnectorWebhooks, 'verify'> {
  verify: NormalizedHmacVerifier | WebhookVerifyFunction
}

/** Five minutes, as most providers and the Standard Webhooks spec use. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300

/** The delivery id header when a connector names none (Standard Webhooks). */
export const DEFAULT_WEBHOOK_ID_HEADER = 'webhook-id'

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

function checkSignedPayload(template: string): boolean {
  return template === 'body' || template.includes('{body}')
}

/**
 * Checks a connector's `webhooks` once and fills in the defaults.
 * @throws TypeError naming the wrong property
 */
export function normalizeWebhooks(
  connectorId: string,
  input: ConnectorWebhooks,
): NormalizedWebhooks {
  const where = `defineConnector(${connectorId}): webhooks`
  if (!input || typeof input !== 'object') throw new TypeError(`${where} must be an object`)
  if (input.handle !== undefined && typeof input.handle !== 'function') {
    throw new TypeError(`${where}.handle must be a function`)
  }
  if (input.idHeader !== undefined && (typeof input.idHeader !== 'string' || !HEADER_NAME.test(input.idHeader))) {
    throw new TypeError(`${where}.idHeader must be a header name`)
  }
  const { verify } = input
  if (typeof verify === 'function') return { ...input, verify }
  if (!verify || typeof verify !== 'object') {
    throw new TypeError(`${where}.verify must be an HMAC declaration or a function`)
  }
  for (const name of ['signatureHeader', 'timestampHeader'] as const) {
    const value = verify[name]
    if (value !== undefined && (typeof value !== 'string' || !HEADER_NAME.test(value))) {
      throw new TypeError(`${where}.verify.${name} must be a header name`)
    }
  }
  if (verify.signatureHeader === undefined) {
    throw new TypeError(`${where}.verify.signatureHeader is required`)
  }
  if ((verify.algorithm ?? 'sha256') !== 'sha256') {
    throw new TypeError(`${where}.verify.algorithm must be "sha256"`)
  }
  const encoding = verify.encoding ?? 'hex'
  if (encoding !== 'hex' && encoding !== 'base64') {
    throw new TypeError(`${where}.verify.encoding must be "hex" or "base64"`)
  }
  const tolerance = verify.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS
  if (!Number.isInteger(tolerance) || tolerance <= 0) {
    throw new TypeError(`${where}.verify.toleranceSeconds must be a positive whole number`)
  }
  const signedPayload = verify.signedPayload ?? 'body'
  if (!checkSignedPayload(signedPayload)) {
    throw new TypeError(`${where}.verify.signedPayload must be "body" or contain "{body}"`)
  }
  if (signedPayload.includes('{timestamp}') && !verify.timestampHeader) {
    throw new TypeError(`${where}.verify.signedPayload uses {timestamp}: set timestampHeader`)
  }
  return {
    ...input,
    verify: {
      signatureHeader: verify.signatureHeader,
      algorithm: 'sha256',
      encoding,
      prefix: verify.prefix ?? '',
      ...(verify.timestampHeader ? { timestampHeader: verify.timestampHeader } : {}),
      toleranceSeconds: tolerance,
      signedPayload,
    },
  }
}

/** The JSON form of `webhooks` (no functions): a declared HMAC verifier and a type path. */
export const webhooksJsonSchema = z.strictObject({
  verify: z.strictObject({
    signatureHeader: z.string().regex(HEADER_NAME, 'a header name'),
    algorithm: z.literal('sha256').optional(),
    encoding: z.enum(['hex', 'base64']).optional(),
    prefix: z.string().optional(),
    timestampHeader: z.string().regex(HEADER_NAME, 'a header name').optional(),
    toleranceSeconds: z.number().int().positive().optional(),
    signedPayload: z
      .string()
      .refine(checkSignedPayload, 'must be "body" or contain "{body}"')
      .optional(),
  }),
  typePath: z.string().min(1).optional(),
  idHeader: z.string().regex(HEADER_NAME, 'a header name').optional(),
})
