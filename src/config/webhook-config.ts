import { isPatchbayError } from '../errors.js'
import { isWebhookSecret, WEBHOOK_EVENT_TYPES } from '../runtime/index.js'
import type { ConfiguredWebhookEndpoint, PatchbayOptions } from '../runtime/index.js'

/**
 * The outgoing webhook endpoint set by environment: `PATCHBAY_WEBHOOK_URL`,
 * `PATCHBAY_WEBHOOK_SECRET` (`whsec_…`, required with the URL) and optionally
 * `PATCHBAY_WEBHOOK_EVENTS` (comma-separated types; all by default). Null when no URL is set.
 * @throws TypeError naming the variable that is wrong, never echoing the secret
 */
export function readWebhookEndpoint(env: NodeJS.ProcessEnv): ConfiguredWebhookEndpoint | null {
  const url = env['PATCHBAY_WEBHOOK_URL']?.trim()
  if (!url) return null
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new TypeError('PATCHBAY_WEBHOOK_URL must be an http or https URL')
  }
  const secret = env['PATCHBAY_WEBHOOK_SECRET']?.trim() ?? ''
  if (!isWebhookSecret(secret)) {
    throw new TypeError(
      'PATCHBAY_WEBHOOK_SECRET must be set with PATCHBAY_WEBHOOK_URL, as "whsec_" followed by ' +
        'the base64 of 24 to 64 random bytes (e.g. whsec_$(openssl rand -base64 32))',
    )
  }
  const events = (env['PATCHBAY_WEBHOOK_EVENTS'] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
  const unknown = events.filter(
    (type) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type),
  )
  if (unknown.length > 0) {
    throw new TypeError(
      `PATCHBAY_WEBHOOK_EVENTS has unknown type(s) ${unknown.join(', ')}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
    )
  }
  return { url, secret, events: events.length > 0 ? events : null }
}

/**
 * The runtime's outgoing webhooks as configured: the endpoint from the environment beside the
 * stored ones, and failures to queue or record told as warnings. Delivery is the server's job
 * (`webhooks.start()` in `patchbay start`); a CLI command only queues, and a running server sends
 * what it queued.
 */
export function webhookOptions(
  config: { webhook: ConfiguredWebhookEndpoint | null },
  warn: (message: string) => void = () => {},
): NonNullable<PatchbayOptions['webhooks']> {
  return {
    endpoint: config.webhook,
    onError: (error) => {
      const reason = isPatchbayError(error) ? error.message : 'an unexpected error'
      warn(`outgoing webhooks: ${reason}`)
    },
  }
}
