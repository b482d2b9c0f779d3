import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/** A message as a loopback SMTP server received it. */
export interface ReceivedMail {
  from: string
  to: string[]
  user: string | null
  raw: string
}

/**
 * A real SMTP server on loopback (smtp-server): plain text with AUTH allowed (no STARTTLS, so no
 * certificate), accepting one username and password, keeping every message it receives.
 */
export async function startSmtpServer(account: { username: string; password: string }) {
  const received: ReceivedMail[] = []
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === account.username && auth.password === account.password) {
        callback(null, { user: auth.username })
      } else {
        callback(new Error('Invalid username or password'))
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          user: typeof session.user === 'string' ? session.user : null,
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.server.address() as AddressInfo
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The text of a MIME part as a reader sees it: quoted-printable soft breaks and escapes undone. */
export function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_whole, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function answer(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** An HTTP server on loopback running `handle` for every request. */
async function serve(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const server = createServer(async (req, res) => handle(req, await bodyOf(req), res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/**
 * Alibaba Cloud's encoding, done the way its documentation suggests for form-encoding libraries
 * (and not as the connector does it): form-encode, then `+` → `%20`, `*` → `%2A`, `%7E` → `~`.
 */
function docEncode(value: string): string {
  return new URLSearchParams({ v: value })
    .toString()
    .slice(2)
    .replace(/\+/g, '%20')
    .replace(/\*/g, '%2A')
    .replace(/%7E/g, '~')
}

/**
 * A DirectMail stand-in that checks each request's signature as the signature document
 * describes it, computed here on its own, and keeps the parameters of accepted requests.
 */
export async function startAliyunDm(account: { accessKeyId: string; accessKeySecret: string }) {
  const accepted: Record<string, string>[] = []
  const nonces = new Set<string>()
  const server = await serve((req, _body, res) => {
    const url = new URL(req.url ?? '/', 'http://dm')
    const params: Record<string, string> = {}
    for (const [name, value] of url.searchParams) params[name] = value
    const presented = params['Signature'] ?? ''
    delete params['Signature']
    const canonical = Object.keys(params)
      .sort()
      .map((name) => `${docEncode(name)}=${docEncode(params[name] as string)}`)
      .join('&')
    const toSign = `${req.method}&${docEncode('/')}&${docEncode(canonical)}`
    const expected = createHmac('sha1', `${account.accessKeySecret}&`).update(toSign).digest()
    const given = Buffer.from(presented, 'base64')
    const requestId = `req-${accepted.length + 1}`
    if (
      params['AccessKeyId'] !== account.accessKeyId ||
      params['SignatureMethod'] !== 'HMAC-SHA1' ||
      params['SignatureVersion'] !== '1.0' ||
      !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(params['Timestamp'] ?? '') ||
      given.length !== expected.length ||
      !timingSafeEqual(given, expected)
    ) {
      return answer(res, 403, { Code: 'SignatureDoesNotMatch', Message: 'Specified signature is not matched with our calculation.', RequestId: requestId })
    }
    const nonce = params['SignatureNonce'] ?? ''
    if (nonce === '' || nonces.has(nonce)) {
      return answer(res, 400, { Code: 'SignatureNonceUsed', Message: 'The nonce has been used.', RequestId: requestId })
    }
    nonces.add(nonce)
    if (req.method !== 'GET' || url.pathname !== '/' || params['Action'] !== 'SingleSendMail') {
      return answer(res, 400, { Code: 'InvalidParameter', Message: 'Unexpected request', RequestId: requestId })
    }
    accepted.push(params)
    answer(res, 200, { EnvId: `env-${accepted.length}`, RequestId: requestId })
  })
  return { ...server, accepted }
}

/**
 * A Twilio stand-in: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP Basic
 * (Account SID, Auth Token) and a form body; keeps accepted forms.
 */
export async function startTwilio(account: { accountSid: string; authToken: string }) {
  const accepted: URLSearchParams[] = []
  const server = await serve((req, body, res) => {
    const expected = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`
    if (req.headers.authorization !== expected) {
      return answer(res, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 })
    }
    const path = `/2010-04-01/Accounts/${account.accountSid}/Messages.json`
    if (req.method !== 'POST' || req.url !== path || !req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      return answer(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 })
    }
    const form = new URLSearchParams(body)
    accepted.push(form)
    answer(res, 201, { sid: `SM${String(accepted.length).padStart(32, '0')}`, status: 'queued', to: form.get('To'), body: form.get('Body') })
  })
  return { ...server, accepted }
}

/**
 * A Vonage SMS API stand-in: `POST /sms/json` with `api_key` and `api_secret` in the form;
 * refusals are 200 answers with a non-zero `status`, as the SMS API does.
 */
export async function startVonage(account: { apiKey: string; apiSecret: string }) {
  const accepted: URLSearchParams[] = []
  const server = await serve((req, body, res) => {
    const form = new URLSearchParams(body)
    if (req.method !== 'POST' || req.url !== '/sms/json') return answer(res, 404, {})
    if (form.get('api_key') !== account.apiKey || form.get('api_secret') !== account.apiSecret) {
      return answer(res, 200, { 'message-count': '1', messages: [{ status: '4', 'error-text': 'Bad Credentials' }] })
    }
    accepted.push(form)
    answer(res, 200, {
      'message-count': '1',
      messages: [{ to: form.get('to'), 'message-id': `msg-${accepted.length}`, status: '0' }],
    })
  })
  return { ...server, accepted }
}
