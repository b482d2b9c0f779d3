import { z } from 'zod'
import { PatchbayError } from '../errors.js'
import type { Capability, CapabilityContext } from './types.js'

/**
 * What a passwordless message is for (Logto's usage types): each has its own template.
 */
export const MESSAGE_TYPES = ['SignIn', 'Register', 'ForgotPassword', 'Generic', 'Test'] as const

export type MessageType = (typeof MESSAGE_TYPES)[number]

/** One template of a message connector's settings: the subject and content of one usage. */
export const messageTemplateSchema = z.strictObject({
  usageType: z.enum(MESSAGE_TYPES),
  /** Email subject; SMS connectors ignore it. */
  subject: z.string().max(998).optional(),
  /** The text, with `{{code}}` and other payload fields. */
  content: z.string().min(1).max(100_000),
  /** `text/html` escapes the payload values it fills in; `text/plain` by default. */
  contentType: z.enum(['text/plain', 'text/html']).optional(),
})

export type MessageTemplate = z.infer<typeof messageTemplateSchema>

/** The `templates` setting of a message connector: at most one per usage type. */
export const messageTemplatesSchema = z
  .array(messageTemplateSchema)
  .min(1)
  .superRefine((templates, ctx) => {
    const seen = new Set<string>()
    templates.forEach((template, index) => {
      if (seen.has(template.usageType)) {
        ctx.addIssue({
          code: 'custom',
          message: `a second template for ${template.usageType}`,
          path: [index, 'usageType'],
        })
      }
      seen.add(template.usageType)
    })
  })

/** `send_message`'s request: Logto's `{to, type, payload}`. */
export const sendMessageRequestSchema = z.strictObject({
  /** An email address or a phone number, as the connector's provider takes it. */
  to: z.string().min(1).max(320),
  type: z.enum(MESSAGE_TYPES),
  /** The values of the template's placeholders; `code` for one-time codes. */
  payload: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
})

export type SendMessageRequest = z.infer<typeof sendMessageRequestSchema>

/** `send_message`'s answer: sent, and the provider's id for the message when it gives one. */
export const sendMessageResponseSchema = z.strictObject({
  sent: z.literal(true),
  message_id: z.string().nullable(),
})

/** A message ready to send: its template filled from the payload. */
export interface RenderedMessage {
  to: string
  type: MessageType
  subject: string
  content: string
  contentType: 'text/plain' | 'text/html'
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] as string)
}

function fill(
  text: string,
  payload: SendMessageRequest['payload'],
  where: string,
  escape: (value: string) => string,
): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    if (!Object.hasOwn(payload, name)) {
      throw new PatchbayError('bad_request', `The template's ${where} uses {{${name}}}, which the payload lacks`, {
        details: { problems: [`request.payload.${name}: required by the ${where}`] },
      })
    }
    return escape(String(payload[name]))
  })
}

/**
 * Fills the template of a message's usage type from its payload: each `{{name}}` becomes the
 * payload's value, HTML-escaped in `text/html` content; a line break in a subject value is
 * refused (it would start a new mail header).
 * @throws PatchbayError `template_not_found` when the settings have no template for the type,
 *   `bad_request` when the payload lacks a placeholder's value
 */
export function renderMessage(
  templates: readonly MessageTemplate[],
  request: SendMessageRequest,
): RenderedMessage {
  const template = templates.find((candidate) => candidate.usageType === request.type)
  if (!template) {
    throw new PatchbayError('template_not_found', `No template for usage type ${request.type}`, {
      details: { usage_type: request.type },
    })
  }
  const contentType = template.contentType ?? 'text/plain'
  const subject = fill(template.subject ?? '', request.payload, 'subject', (value) => {
    if (/[\r\n]/.test(value)) {
      throw new PatchbayError('bad_request', 'A value filled into the subject has a line break', {
        details: { problems: ['request.payload: a subject value has a line break'] },
      })
    }
    return value
  })
  const content = fill(
    template.content,
    request.payload,
    'content',
    contentType === 'text/html' ? escapeHtml : (value) => value,
  )
  return { to: request.to, type: request.type, subject, content, contentType }
}

/**
 * A `send_message` capability over a connector's `templates` setting: validates the request,
 * fills the usage's template and hands the message to `send`, which answers the provider's id
 * for it (or null).
 * @example
 * capabilities: { send_message: sendMessageCapability(async (ctx, message) => { …; return id }) }
 */
export function sendMessageCapability<S extends { templates: MessageTemplate[] }>(
  send: (ctx: CapabilityContext<S>, message: RenderedMessage) => Promise<string | null>,
  options: { description?: string } = {},
): Capability<SendMessageRequest, z.infer<typeof sendMessageResponseSchema>, S> {
  return {
    description:
      options.description ??
      'Sends a message from the template of its usage type, filled from the payload (passwordless codes)',
    request: sendMessageRequestSchema,
    response: sendMessageResponseSchema,
    run: async (ctx, request) => {
      const message = renderMessage(ctx.settings.templates, request)
      return { sent: true as const, message_id: await send(ctx, message) }
    },
  }
}
