import { z } from 'zod'
import { PatchbayError } from '../../errors.js'
import { basic, defineConnector, messageTemplatesSchema, sendMessageCapability } from '../../kit/index.js'
import type { RenderedMessage } from '../../kit/index.js'

const settings = z.object({
  host: z.string().min(1).max(253).describe('SMTP server host name'),
  port: z.number().int().min(1).max(65535).describe('587 (STARTTLS), 465 (TLS) or 25'),
  secure: z
    .boolean()
    .optional()
    .describe('TLS from the first byte (port 465); otherwise STARTTLS when the server offers it'),
  from: z.string().min(3).max(320).describe('Sender, "Name <address>" or an address'),
  templates: messageTemplatesSchema,
})

type SmtpSettings = z.infer<typeof settings>

/** How long the SMTP server may take to accept a connection, greet, or answer a command. */
const SMTP_TIMEOUT_MS = 15_000

/** The nodemailer failure in Patchbay's words: refused login, unreachable, or a refused message. */
function smtpError(error: unknown): PatchbayError {
  const failure = (error ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown }
  const code = typeof failure.code === 'string' ? failure.code : ''
  const status = typeof failure.responseCode === 'number' ? failure.responseCode : null
  const details = { ...(code ? { smtp_error: code } : {}), ...(status ? { smtp_status: status } : {}) }
  if (code === 'EAUTH' || status === 535) {
    return new PatchbayError('unauthorized', 'The SMTP server refused the username or password', { details })
  }
  if (code === 'ETIMEDOUT') return new PatchbayError('timeout', 'The SMTP server did not answer in time', { details })
  if (code === 'ECONNECTION' || code === 'ESOCKET' || code === 'EDNS') {
    return new PatchbayError('provider_error', 'The SMTP server could not be reached', { details })
  }
  const said = typeof failure.message === 'string' ? failure.message.slice(0, 300) : 'unknown error'
  return new PatchbayError('provider_error', `The SMTP server refused the message: ${said}`, { details })
}

async function sendMail(
  config: SmtpSettings,
  credentials: { username?: string; password?: string },
  message: RenderedMessage,
): Promise<string | null> {
  // nodemailer loads with the first message, not with every CLI command.
  const { createTransport } = await import('nodemailer')
  const transport = createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure ?? config.port === 465,
    ...(credentials.username
      ? { auth: { user: credentials.username, pass: credentials.password ?? '' } }
      : {}),
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  })
  try {
    const info = await transport.sendMail({
      from: config.from,
      to: message.to,
      subject: message.subject,
      ...(message.contentType === 'text/html' ? { html: message.content } : { text: message.content }),
    })
    return typeof info.messageId === 'string' ? info.messageId : null
  } catch (error) {
    throw smtpError(error)
  } finally {
    transport.close()
  }
}

/**
 * Email through any SMTP server (Logto's SMTP connector): one template per usage type, the
 * username and password (optional, for servers that relay without login) kept as auth.
 */
export function createSmtpConnector() {
  return defineConnector({
    id: 'smtp',
    name: 'SMTP',
    description: 'Sends passwordless codes and other messages by email through an SMTP server',
    categories: ['communication', 'email'],
    settings,
    auth: basic({
      fields: {
        username: { type: 'text', label: 'Username', required: false },
        password: { type: 'password', label: 'Password', required: false },
      },
      // Credentials go to the SMTP server at login, never onto an HTTP request.
      headers: {},
      query: {},
    }),
    capabilities: {
      send_message: sendMessageCapability<SmtpSettings>(async (ctx, message) => {
        const { username, password } = ctx.credentials
        return sendMail(ctx.settings, {
          ...(typeof username === 'string' ? { username } : {}),
          ...(typeof password === 'string' ? { password } : {}),
        }, message)
      }),
    },
  })
}
