import { z } from 'zod'
import { PatchbayError } from '../../errors.js'
import { basic, defineConnector, messageTemplatesSchema, sendMessageCapability } from '../../kit/index.js'

const settings = z.object({
  from: z.string().min(1).max(64).describe('A Twilio phone number in E.164 form, or a sender id'),
  templates: messageTemplatesSchema,
})

type TwilioSettings = z.infer<typeof settings>

const createdMessage = z.object({ sid: z.string() })

const TWILIO_API = 'https://api.twilio.com'

export interface TwilioSmsOptions {
  /** Sends requests here instead of Twilio's API: for tests against a loopback server. */
  baseUrl?: string
}

/**
 * Twilio's error answer (`{code, message, more_info, status}`) in Patchbay's words.
 * @see https://www.twilio.com/docs/usage/twilios-response
 */
function refusal(status: number, body: unknown): PatchbayError {
  const said = (body ?? {}) as { code?: unknown; message?: unknown }
  const code = typeof said.code === 'number' ? said.code : null
  const words = typeof said.message === 'string' ? said.message.slice(0, 300) : null
  const kind = status === 401 || status === 403 ? 'unauthorized' : status === 429 ? 'rate_limited' : status < 500 ? 'bad_request' : 'provider_error'
  return new PatchbayError(kind, `Twilio refused the message (${status}${code ? ` ${code}` : ''})${words ? `: ${words}` : ''}`, {
    details: { status, ...(code ? { provider_code: code } : {}) },
    status: status >= 500 ? 502 : status,
  })
}

/**
 * SMS through Twilio's Messages resource (Logto's Twilio connector): a form POST of `To`,
 * `From` and `Body` to `/2010-04-01/Accounts/{AccountSid}/Messages.json`, with HTTP Basic
 * authentication by the Account SID and Auth Token.
 * @see https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
 */
export function createTwilioSmsConnector(options: TwilioSmsOptions = {}) {
  const base = (options.baseUrl ?? TWILIO_API).replace(/\/+$/, '')
  return defineConnector({
    id: 'twilio-sms',
    name: 'Twilio SMS',
    description: 'Sends passwordless codes by SMS through Twilio',
    categories: ['communication', 'sms'],
    docsUrl: 'https://www.twilio.com/docs/messaging/api/message-resource',
    settings,
    // The Account SID is the Basic username, the Auth Token its password.
    auth: basic({
      fields: {
        username: { type: 'text', label: 'Account SID' },
        password: { type: 'password', label: 'Auth Token' },
      },
    }),
    capabilities: {
      send_message: sendMessageCapability<TwilioSettings>(async (ctx, message) => {
        const accountSid = String(ctx.credentials['username'])
        const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`
        const response = await ctx.fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ To: message.to, From: ctx.settings.from, Body: message.content }).toString(),
        })
        const body: unknown = await response.json().catch(() => null)
        if (!response.ok) throw refusal(response.status, body)
        const created = createdMessage.safeParse(body)
        if (!created.success) throw new PatchbayError('invalid_response', 'Twilio answered without a message sid')
        return created.data.sid
      }),
    },
  })
}
