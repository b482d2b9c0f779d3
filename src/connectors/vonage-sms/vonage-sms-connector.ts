import { z } from 'zod'
import { PatchbayError } from '../../errors.js'
import type { PatchbayErrorCode } from '../../errors.js'
import { apiKey, defineConnector, messageTemplatesSchema, sendMessageCapability } from '../../kit/index.js'

const settings = z.object({
  from: z.string().min(1).max(64).describe('A Vonage number or an alphanumeric sender id'),
  templates: messageTemplatesSchema,
})

type VonageSettings = z.infer<typeof settings>

/** The SMS API's answer: one entry per message part, `status` "0" when accepted. */
const smsAnswer = z.object({
  messages: z
    .array(
      z.object({
        status: z.string(),
        'message-id': z.string().optional(),
        'error-text': z.string().optional(),
      }),
    )
    .min(1),
})

const VONAGE_REST = 'https://rest.nexmo.com'

export interface VonageSmsOptions {
  /** Sends requests here instead of Vonage's API: for tests against a loopback server. */
  baseUrl?: string
}

/**
 * What a non-zero `status` of the SMS API means: 1 throttled, 2 and 3 missing or invalid
 * parameters, 4 invalid credentials, 6 an invalid message, others a refusal of the gateway.
 * @see https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms
 */
function codeForStatus(status: string): PatchbayErrorCode {
  if (status === '1') return 'rate_limited'
  if (status === '4') return 'unauthorized'
  if (status === '2' || status === '3' || status === '6') return 'bad_request'
  return 'provider_error'
}

/**
 * SMS through the Vonage (Nexmo) SMS API: a form POST to `/sms/json` carrying `api_key`,
 * `api_secret`, `from`, `to` and `text`. A refusal comes back as 200 with a non-zero `status`.
 * @see https://developer.vonage.com/en/api/sms
 */
export function createVonageSmsConnector(options: VonageSmsOptions = {}) {
  const base = (options.baseUrl ?? VONAGE_REST).replace(/\/+$/, '')
  return defineConnector({
    id: 'vonage-sms',
    name: 'Vonage SMS',
    description: 'Sends passwordless codes by SMS through the Vonage SMS API',
    categories: ['communication', 'sms'],
    docsUrl: 'https://developer.vonage.com/en/messaging/sms/overview',
    settings,
    auth: apiKey({
      fields: {
        apiKey: { type: 'text', label: 'API key' },
        apiSecret: { type: 'password', label: 'API secret' },
      },
      // The key and secret travel in the form body of each request instead.
      headers: {},
      query: {},
    }),
    capabilities: {
      send_message: sendMessageCapability<VonageSettings>(async (ctx, message) => {
        const response = await ctx.fetch(`${base}/sms/json`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({
            api_key: String(ctx.credentials['apiKey']),
            api_secret: String(ctx.credentials['apiSecret']),
            from: ctx.settings.from,
            to: message.to,
            text: message.content,
          }).toString(),
        })
        const body: unknown = await response.json().catch(() => null)
        const answer = smsAnswer.safeParse(body)
        if (!response.ok || !answer.success) {
          throw new PatchbayError(
            response.ok ? 'invalid_response' : 'provider_error',
            `The Vonage SMS API answered ${response.status} without a message status`,
            { details: { status: response.status } },
          )
        }
        const refused = answer.data.messages.find((part) => part.status !== '0')
        if (refused) {
          const words = refused['error-text']?.slice(0, 300)
          throw new PatchbayError(
            codeForStatus(refused.status),
            `Vonage refused the message (status ${refused.status})${words ? `: ${words}` : ''}`,
            { details: { provider_status: refused.status } },
          )
        }
        return answer.data.messages[0]?.['message-id'] ?? null
      }),
    },
  })
}
