import { createHmac } from 'node:crypto'

/** The prefix of a Standard Webhooks secret. */
const WEBHOOK_SECRET_PREFIX = 'whsec_'

const SECRET_BYTES = { min: 24, max: 64 }
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/**
 * A Standard Webhooks secret from random bytes: `whsec_` and their base64.
 * @param random 24 to 64 random bytes (32 is usual)
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
export function formatWebhookSecret(random: Uint8Array): string {
  if (random.length < SECRET_BYTES.min || random.length > SECRET_BYTES.max) {
    throw new TypeError(
      `a webhook secret needs ${SECRET_BYTES.min} to ${SECRET_BYTES.max} random bytes`,
    )
  }
  return WEBHOOK_SECRET_PREFIX + Buffer.from(random).toString('base64')
}

/**
 * The signing key of a `whsec_…` secret: the bytes its base64 stands for.
 * @throws TypeError when the secret is not in that form (the message never repeats it)
 */
export function webhookSigningKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX)
    ? secret.slice(WEBHOOK_SECRET_PREFIX.length)
    : null
  const key = encoded !== null && BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : null
  if (!key || key.length < SECRET_BYTES.min || key.length > SECRET_BYTES.max) {
    throw new TypeError(
      `a webhook secret must be "${WEBHOOK_SECRET_PREFIX}" followed by the base64 of ` +
        `${SECRET_BYTES.min} to ${SECRET_BYTES.max} random bytes`,
    )
  }
  return key
}

/** True when `secret` is a usable `whsec_…` secret. */
export function isWebhookSecret(secret: string): boolean {
  try {
    webhookSigningKey(secret)
    return true
  } catch {
    return false
  }
}

/**
 * The `webhook-signature` value of a message: `v1,` and the base64 HMAC-SHA256 of
 * `{id}.{timestamp}.{body}` keyed with the secret's bytes.
 * @param timestamp epoch seconds, the same as sent in `webhook-timestamp`
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#verifying-webhook-authenticity
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', webhookSigningKey(secret))
    .update(`${id}.${timestamp}.${body}`, 'utf8')
    .digest('base64')
  return `v1,${mac}`
}

/** The three Standard Webhooks headers of one attempt at sending a message. */
export function webhookHeaders(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, id, timestamp, body),
  }
}
