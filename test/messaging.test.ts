import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createAliyunDirectMailConnector,
  createSmtpConnector,
  createTwilioSmsConnector,
  createVonageSmsConnector,
} from '../src/connectors/index.js'
import { createWorkspace } from './helpers/cli.js'
import { startHarness } from './helpers/harness.js'
import type { Harness } from './helpers/harness.js'
import {
  decodeQuotedPrintable,
  startAliyunDm,
  startSmtpServer,
  startTwilio,
  startVonage,
} from './helpers/message-servers.js'

const SMTP_ACCOUNT = { username: 'mailer', password: 'smtp-pass-7c1f2e9a' }
const DM_ACCOUNT = { accessKeyId: 'LTAI-test-id', accessKeySecret: 'dm-secret-58d1a0b7c3' }
const TWILIO_ACCOUNT = { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'twilio-token-9e8d7c6b' }
const VONAGE_ACCOUNT = { apiKey: 'vonage-key', apiSecret: 'vonage-secret-3f2e1d' }

const templates = [
  { usageType: 'SignIn', subject: 'Your sign-in code', content: 'Your code is {{code}}. It expires in {{minutes}} minutes.' },
  { usageType: 'Register', subject: 'Welcome', content: '<p>Welcome! Your code is <b>{{code}}</b></p>', contentType: 'text/html' },
]

describe('passwordless messages', () => {
  let h: Harness
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>
  let dm: Awaited<ReturnType<typeof startAliyunDm>>
  let twilio: Awaited<ReturnType<typeof startTwilio>>
  let vonage: Awaited<ReturnType<typeof startVonage>>

  beforeAll(async () => {
    ;[smtp, dm, twilio, vonage] = await Promise.all([
      startSmtpServer(SMTP_ACCOUNT),
      startAliyunDm(DM_ACCOUNT),
      startTwilio(TWILIO_ACCOUNT),
      startVonage(VONAGE_ACCOUNT),
    ])
    h = await startHarness({
      connectors: () => [
        createSmtpConnector(),
        createAliyunDirectMailConnector({ endpoint: dm.url }),
        createTwilioSmsConnector({ baseUrl: twilio.url }),
        createVonageSmsConnector({ baseUrl: vonage.url }),
      ],
    })
    h.secrets.push(SMTP_ACCOUNT.password, DM_ACCOUNT.accessKeySecret, TWILIO_ACCOUNT.authToken, VONAGE_ACCOUNT.apiSecret)
  })
  afterAll(async () => {
    await h.close()
    await Promise.all([smtp.close(), dm.close(), twilio.close(), vonage.close()])
  })

  const smtpSettings = () => ({ host: '127.0.0.1', port: smtp.port, from: 'Acme <no-reply@acme.test>', templates })

  function testMessage(connector: string, body: unknown) {
    return h.api('POST', `/connectors/${connector}/test-message`, body)
  }

  it('sends an email with the code in place to the SMTP server, from an unsaved configuration', async () => {
    const answer = await testMessage('smtp', {
      settings: smtpSettings(),
      auth: SMTP_ACCOUNT,
      request: { to: 'user@example.test', type: 'SignIn', payload: { code: '123456', minutes: 10 } },
    })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ response: { sent: true }, error: null })
    expect(answer.body.response.message_id).toMatch(/^<.+@.+>$/)
    const mail = smtp.received.at(-1)!
    expect(mail).toMatchObject({ from: 'no-reply@acme.test', to: ['user@example.test'], user: 'mailer' })
    expect(mail.raw).toMatch(/^Subject: Your sign-in code\r?$/m)
    expect(decodeQuotedPrintable(mail.raw)).toContain('Your code is 123456. It expires in 10 minutes.')
    // Nothing was stored: a test message needs no integration or connection.
    expect((await h.api('GET', '/connections')).body.connections).toEqual([])
  })

  it('sends HTML templates as HTML, with the payload escaped', async () => {
    const answer = await testMessage('smtp', {
      settings: smtpSettings(),
      auth: SMTP_ACCOUNT,
      request: { to: 'user@example.test', type: 'Register', payload: { code: '<img src=x>' } },
    })
    expect(answer.status).toBe(200)
    const raw = decodeQuotedPrintable(smtp.received.at(-1)!.raw)
    expect(raw).toMatch(/Content-Type: text\/html/)
    expect(raw).toContain('<b>&lt;img src=x&gt;</b>')
    expect(raw).not.toContain('<img src=x>')
  })

  it('answers template_not_found for a usage without a template, and sends nothing', async () => {
    const before = smtp.received.length
    const answer = await testMessage('smtp', {
      settings: smtpSettings(),
      auth: SMTP_ACCOUNT,
      request: { to: 'user@example.test', type: 'ForgotPassword', payload: { code: '123456' } },
    })
    expect(answer.status).toBe(400)
    expect(answer.body.error).toMatchObject({ code: 'template_not_found', raised_in: 'smtp:send_message' })
    expect(smtp.received.length).toBe(before)
  })

  it('reports a refused SMTP login as unauthorized without the password', async () => {
    const answer = await testMessage('smtp', {
      settings: smtpSettings(),
      auth: { username: 'mailer', password: 'wrong-password-1' },
      request: { to: 'user@example.test', type: 'SignIn', payload: { code: '1', minutes: 1 } },
    })
    expect(answer.status).toBe(401)
    expect(answer.body.error.code).toBe('unauthorized')
    expect(JSON.stringify(answer.body)).not.toContain('wrong-password-1')
  })

  it('sends from the CLI with `patchbay call smtp send_message`', async () => {
    const workspace = createWorkspace()
    try {
      const input = {
        settings: smtpSettings(),
        auth: SMTP_ACCOUNT,
        request: { to: 'cli@example.test', type: 'SignIn', payload: { code: '654321', minutes: 5 } },
      }
      const result = await workspace.run(['call', 'smtp', 'send_message', '--json', JSON.stringify(input)])
      expect(result.code).toBe(0)
      expect(result.json).toMatchObject({ response: { sent: true }, error: null })
      expect(result.stdout + result.stderr).not.toContain(SMTP_ACCOUNT.password)
      const mail = smtp.received.at(-1)!
      expect(mail.to).toEqual(['cli@example.test'])
      expect(decodeQuotedPrintable(mail.raw)).toContain('Your code is 654321.')
    } finally {
      workspace.remove()
    }
  }, 30_000)

  it('signs DirectMail requests so that an independent check of the signature accepts them', async () => {
    const answer = await testMessage('aliyun-dm', {
      settings: { accountName: 'no-reply@mail.acme.test', fromAlias: 'Acme', templates },
      auth: DM_ACCOUNT,
      request: { to: 'user@example.test', type: 'SignIn', payload: { code: '246810', minutes: 10 } },
    })
    expect(answer.status).toBe(200)
    expect(answer.body.response).toEqual({ sent: true, message_id: 'env-1' })
    expect(dm.accepted.at(-1)).toMatchObject({
      Action: 'SingleSendMail',
      Format: 'JSON',
      Version: '2015-11-23',
      RegionId: 'cn-hangzhou',
      AccountName: 'no-reply@mail.acme.test',
      FromAlias: 'Acme',
      AddressType: '1',
      ReplyToAddress: 'false',
      ToAddress: 'user@example.test',
      Subject: 'Your sign-in code',
      TextBody: 'Your code is 246810. It expires in 10 minutes.',
    })
    // Spaces, "*" and non-ASCII text are where encodings differ; the signature still verifies.
    const tricky = await testMessage('aliyun-dm', {
      settings: { accountName: 'no-reply@mail.acme.test', templates: [{ usageType: 'Generic', subject: 'Ünïcode * (test) ~ ok', content: "{{code}} + it's *bold*" }] },
      auth: DM_ACCOUNT,
      request: { to: 'user@example.test', type: 'Generic', payload: { code: 'a b&c=d' } },
    })
    expect(tricky.status).toBe(200)
    expect(dm.accepted.at(-1)).toMatchObject({ Subject: 'Ünïcode * (test) ~ ok', TextBody: "a b&c=d + it's *bold*" })
  })

  it('reports a DirectMail signature refusal as unauthorized without the secret', async () => {
    const answer = await testMessage('aliyun-dm', {
      settings: { accountName: 'no-reply@mail.acme.test', templates },
      auth: { accessKeyId: DM_ACCOUNT.accessKeyId, accessKeySecret: 'not-the-secret-42' },
      request: { to: 'user@example.test', type: 'SignIn', payload: { code: '1', minutes: 1 } },
    })
    expect(answer.status).toBe(403)
    expect(answer.body.error).toMatchObject({ code: 'unauthorized', details: { provider_code: 'SignatureDoesNotMatch' } })
    expect(JSON.stringify(answer.body)).not.toContain('not-the-secret-42')
  })

  it('sends an SMS through Twilio with Basic auth and a form body', async () => {
    const answer = await testMessage('twilio-sms', {
      settings: { from: '+15005550006', templates },
      auth: { username: TWILIO_ACCOUNT.accountSid, password: TWILIO_ACCOUNT.authToken },
      request: { to: '+15551234567', type: 'SignIn', payload: { code: '135790', minutes: 3 } },
    })
    expect(answer.status).toBe(200)
    expect(answer.body.response.message_id).toMatch(/^SM/)
    const form = twilio.accepted.at(-1)!
    expect(Object.fromEntries(form)).toEqual({
      To: '+15551234567',
      From: '+15005550006',
      Body: 'Your code is 135790. It expires in 3 minutes.',
    })
    const refused = await testMessage('twilio-sms', {
      settings: { from: '+15005550006', templates },
      auth: { username: TWILIO_ACCOUNT.accountSid, password: 'wrong-token-0000' },
      request: { to: '+15551234567', type: 'SignIn', payload: { code: '1', minutes: 1 } },
    })
    expect(refused.status).toBe(401)
    expect(refused.body.error).toMatchObject({ code: 'unauthorized', details: { provider_code: 20003 } })
  })

  it('sends an SMS through the Vonage SMS API, and reads its status-coded refusals', async () => {
    const answer = await testMessage('vonage-sms', {
      settings: { from: 'Acme', templates },
      auth: VONAGE_ACCOUNT,
      request: { to: '447700900000', type: 'SignIn', payload: { code: '112233', minutes: 2 } },
    })
    expect(answer.status).toBe(200)
    expect(answer.body.response).toEqual({ sent: true, message_id: 'msg-1' })
    expect(Object.fromEntries(vonage.accepted.at(-1)!)).toMatchObject({
      from: 'Acme',
      to: '447700900000',
      text: 'Your code is 112233. It expires in 2 minutes.',
    })
    const refused = await testMessage('vonage-sms', {
      settings: { from: 'Acme', templates },
      auth: { apiKey: VONAGE_ACCOUNT.apiKey, apiSecret: 'wrong-secret-99' },
      request: { to: '447700900000', type: 'SignIn', payload: { code: '1', minutes: 1 } },
    })
    expect(refused.status).toBe(401)
    expect(refused.body.error).toMatchObject({ code: 'unauthorized', details: { provider_status: '4' } })
    expect(refused.body.error.message).toContain('Bad Credentials')
  })

  it('refuses a configuration that is not one, naming the field, and an unknown connector', async () => {
    const bad = await testMessage('smtp', {
      settings: { host: '127.0.0.1', port: 'twenty-five', from: 'a@b.test', templates },
      request: { to: 'user@example.test', type: 'SignIn', payload: { code: '1' } },
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error.details.problems).toContain('settings.port: Invalid input: expected number, received string')
    const unknown = await testMessage('carrier-pigeon', { request: {} })
    expect(unknown.status).toBe(404)
  })
})
