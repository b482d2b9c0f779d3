import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { PatchbayError } from '../../errors.js'
import { apiKey, defineConnector, messageTemplatesSchema, sendMessageCapability } from '../../kit/index.js'
import { signedQuery } from './signature.js'

/**
 * DirectMail's endpoint and API version per region: `2015-11-23` in cn-hangzhou, `2017-06-22`
 * elsewhere. The host is fixed in code, never taken from a setting.
 * @see https://www.alibabacloud.com/help/en/direct-mail/public-parameters
 */
const REGIONS = {
  'cn-hangzhou': { host: 'https://dm.aliyuncs.com', version: '2015-11-23' },
  'ap-southeast-1': { host: 'https://dm.ap-southeast-1.aliyuncs.com', version: '2017-06-22' },
  'ap-southeast-2': { host: 'https://dm.ap-southeast-2.aliyuncs.com', version: '2017-06-22' },
} as const

const settings = z.object({
  accountName: z.string().min(3).max(320).describe('The sender address verified in DirectMail'),
  fromAlias: z.string().max(15).optional().describe('Sender name shown to recipients'),
  regionId: z.enum(Object.keys(REGIONS) as [keyof typeof REGIONS]).optional(),
  templates: messageTemplatesSchema,
})

type AliyunDmSettings = z.infer<typeof settings>

const sendMailAnswer = z.object({ EnvId: z.string().optional(), RequestId: z.string().optional() })

/** `YYYY-MM-DDThh:mm:ssZ`, UTC, as DirectMail's `Timestamp` wants it (no milliseconds). */
function timestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`
}

/**
 * DirectMail's error answer (`{Code, Message, RequestId}`) in Patchbay's words: a refused key or
 * signature is `unauthorized`, a refused request `bad_request`, the rest `provider_error`.
 */
function refusal(status: number, body: unknown): PatchbayError {
  const said = (body ?? {}) as { Code?: unknown; Message?: unknown }
  const code = typeof said.Code === 'string' ? said.Code.slice(0, 100) : null
  const words = typeof said.Message === 'string' ? said.Message.slice(0, 300) : null
  const kind = status === 401 || status === 403 ? 'unauthorized' : status === 429 ? 'rate_limited' : status < 500 ? 'bad_request' : 'provider_error'
  return new PatchbayError(kind, `DirectMail refused the message (${status}${code ? ` ${code}` : ''})${words ? `: ${words}` : ''}`, {
    details: { status, ...(code ? { provider_code: code } : {}) },
    status: status >= 500 ? 502 : status,
  })
}

export interface AliyunDirectMailOptions {
  /**
   * Sends every request here instead of the region's endpoint: for tests against a loopback
   * server. A setting cannot do this; only code building the connector can.
   */
  endpoint?: string
}

/**
 * Email through Alibaba Cloud DirectMail's `SingleSendMail` (Logto's Aliyun DirectMail
 * connector): a GET whose query is signed with HMAC-SHA1 under the AccessKey secret.
 */
export function createAliyunDirectMailConnector(options: AliyunDirectMailOptions = {}) {
  return defineConnector({
    id: 'aliyun-dm',
    name: 'Aliyun DirectMail',
    description: 'Sends passwordless codes by email through Alibaba Cloud DirectMail',
    categories: ['communication', 'email'],
    docsUrl: 'https://www.alibabacloud.com/help/en/direct-mail/api-singlesendmail',
    settings,
    auth: apiKey({
      fields: {
        accessKeyId: { type: 'text', label: 'AccessKey ID' },
        accessKeySecret: { type: 'password', label: 'AccessKey secret' },
      },
      // Every request is signed in its query instead (see signature.ts).
      headers: {},
      query: {},
    }),
    capabilities: {
      send_message: sendMessageCapability<AliyunDmSettings>(async (ctx, message) => {
        const region = REGIONS[ctx.settings.regionId ?? 'cn-hangzhou']
        const params: Record<string, string> = {
          Action: 'SingleSendMail',
          Format: 'JSON',
          Version: region.version,
          AccessKeyId: String(ctx.credentials['accessKeyId']),
          SignatureMethod: 'HMAC-SHA1',
          SignatureVersion: '1.0',
          SignatureNonce: randomUUID(),
          Timestamp: timestamp(new Date()),
          RegionId: ctx.settings.regionId ?? 'cn-hangzhou',
          AccountName: ctx.settings.accountName,
          AddressType: '1',
          ReplyToAddress: 'false',
          ToAddress: message.to,
          Subject: message.subject,
          [message.contentType === 'text/html' ? 'HtmlBody' : 'TextBody']: message.content,
          ...(ctx.settings.fromAlias ? { FromAlias: ctx.settings.fromAlias } : {}),
        }
        const secret = String(ctx.credentials['accessKeySecret'])
        const base = (options.endpoint ?? region.host).replace(/\/+$/, '')
        const response = await ctx.fetch(`${base}/?${signedQuery(params, secret)}`)
        const body: unknown = await response.json().catch(() => null)
        if (!response.ok) throw refusal(response.status, body)
        const answer = sendMailAnswer.safeParse(body)
        if (!answer.success) {
          throw new PatchbayError('invalid_response', 'DirectMail answered without a RequestId')
        }
        return answer.data.EnvId ?? answer.data.RequestId ?? null
      }),
    },
  })
}
