import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../errors.js'
import { renderDeep, renderRecord, renderTemplate, templateVariables } from './template.js'

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('renderTemplate', () => {
  it('fills flat names from a scope', () => {
    expect(renderTemplate('Token {{apiKey}}', [{ apiKey: 'k-1' }])).toBe('Token k-1')
  })

  it('tolerates spaces inside the braces', () => {
    expect(renderTemplate('{{ apiKey }}', [{ apiKey: 'k-1' }])).toBe('k-1')
  })

  it('fills dot paths such as settings.subdomain', () => {
    const scopes = [{ settings: { subdomain: 'acme' } }]
    expect(renderTemplate('https://{{settings.subdomain}}.freshdesk.com', scopes)).toBe(
      'https://acme.freshdesk.com',
    )
  })

  it('fills the same variable by its flat name and by its dot path', () => {
    const settings = { subdomain: 'acme' }
    const scopes = [settings, { settings }]
    expect(renderTemplate('{{subdomain}}/{{settings.subdomain}}', scopes)).toBe('acme/acme')
  })

  it('takes a name from the first scope that has it', () => {
    const scopes = [{ region: 'eu' }, { region: 'us', other: 'x' }]
    expect(renderTemplate('{{region}}-{{other}}', scopes)).toBe('eu-x')
  })

  it('falls through to a later scope when an earlier one holds null', () => {
    expect(renderTemplate('{{region}}', [{ region: null }, { region: 'us' }])).toBe('us')
  })

  it('writes numbers and booleans as their JSON text', () => {
    expect(renderTemplate('{{n}}/{{b}}', [{ n: 42, b: false }])).toBe('42/false')
  })

  it('keeps an empty string value rather than calling it missing', () => {
    expect(renderTemplate('[{{x}}]', [{ x: '' }])).toBe('[]')
  })

  it('does not interpret $ patterns in a filled value', () => {
    expect(renderTemplate('{{secret}}', [{ secret: "a$&b$'c" }])).toBe("a$&b$'c")
  })

  it('leaves text without placeholders unchanged', () => {
    expect(renderTemplate('/v1/users?x={y}', [])).toBe('/v1/users?x={y}')
  })

  it('refuses a missing variable with template_not_found naming it', () => {
    const error = thrown(() =>
      renderTemplate('{{apiKey}} {{settings.subdomain}}', [{ apiKey: 'sk-secret-value' }]),
    )
    expect(isPatchbayError(error, 'template_not_found')).toBe(true)
    if (!isPatchbayError(error)) return
    expect(error.details).toEqual({ variable: 'settings.subdomain' })
    expect(error.message).toContain('settings.subdomain')
    expect(error.message).not.toContain('sk-secret-value')
  })

  it('treats a null-only variable as missing', () => {
    expect(
      isPatchbayError(
        thrown(() => renderTemplate('{{x}}', [{ x: null }])),
        'template_not_found',
      ),
    ).toBe(true)
  })
})

describe('renderDeep', () => {
  it('fills every string inside objects and arrays and keeps other values', () => {
    const body = {
      user: '{{username}}',
      list: ['{{a}}', 1, true, null, { nested: 'x-{{a}}' }],
      count: 3,
    }
    expect(renderDeep(body, [{ username: 'ada', a: 'A' }])).toEqual({
      user: 'ada',
      list: ['A', 1, true, null, { nested: 'x-A' }],
      count: 3,
    })
  })

  it('does not change the value it was given', () => {
    const body = { user: '{{username}}' }
    renderDeep(body, [{ username: 'ada' }])
    expect(body).toEqual({ user: '{{username}}' })
  })

  it('refuses a missing variable deep inside the value', () => {
    const error = thrown(() => renderDeep({ a: [{ b: '{{nope}}' }] }, [{}]))
    expect(isPatchbayError(error, 'template_not_found')).toBe(true)
  })
})

describe('renderRecord', () => {
  it('fills each value of a string map', () => {
    expect(
      renderRecord({ Authorization: 'Bearer {{t}}', 'X-Id': '{{id}}' }, [{ t: 'T', id: 7 }]),
    ).toEqual({
      Authorization: 'Bearer T',
      'X-Id': '7',
    })
  })
})

describe('templateVariables', () => {
  it('lists the names a template refers to, in order', () => {
    expect(
      templateVariables('https://{{ subdomain }}.x.test/{{settings.region}}?k={{apiKey}}'),
    ).toEqual(['subdomain', 'settings.region', 'apiKey'])
  })
})
