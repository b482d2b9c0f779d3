import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../errors.js'
import { messageTemplatesSchema, renderMessage } from './messaging.js'
import type { MessageTemplate } from './messaging.js'

const templates: MessageTemplate[] = [
  { usageType: 'SignIn', subject: 'Code {{code}}', content: 'Your code is {{code}}, {{name}}.' },
  { usageType: 'Register', subject: 'Welcome', content: '<p>Hi {{name}}: <b>{{code}}</b></p>', contentType: 'text/html' },
]

function failure(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a failure')
}

describe('renderMessage', () => {
  it('fills every placeholder of the usage type’s template from the payload', () => {
    expect(renderMessage(templates, { to: 'a@b.test', type: 'SignIn', payload: { code: 123456, name: 'Ada' } })).toEqual({
      to: 'a@b.test',
      type: 'SignIn',
      subject: 'Code 123456',
      content: 'Your code is 123456, Ada.',
      contentType: 'text/plain',
    })
  })

  it('escapes payload values in HTML content, not the template', () => {
    const message = renderMessage(templates, {
      to: 'a@b.test',
      type: 'Register',
      payload: { code: '1"2', name: '<script>alert(1)</script>' },
    })
    expect(message.content).toBe('<p>Hi &lt;script&gt;alert(1)&lt;/script&gt;: <b>1&quot;2</b></p>')
  })

  it('answers template_not_found for a usage type without a template', () => {
    const error = failure(() => renderMessage(templates, { to: 'a@b.test', type: 'ForgotPassword', payload: {} }))
    expect(isPatchbayError(error, 'template_not_found')).toBe(true)
  })

  it('refuses a payload lacking a placeholder, and a line break in a subject value', () => {
    const missing = failure(() => renderMessage(templates, { to: 'a@b.test', type: 'SignIn', payload: { code: '1' } }))
    expect(isPatchbayError(missing, 'bad_request')).toBe(true)
    expect((missing as Error).message).toContain('{{name}}')
    const header = failure(() =>
      renderMessage(templates, { to: 'a@b.test', type: 'SignIn', payload: { code: '1\r\nBcc: x@y.test', name: 'A' } }),
    )
    expect(isPatchbayError(header, 'bad_request')).toBe(true)
  })

  it('refuses two templates for one usage type', () => {
    const parsed = messageTemplatesSchema.safeParse([templates[0], templates[0]])
    expect(parsed.success).toBe(false)
  })
})
