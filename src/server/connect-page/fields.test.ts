import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { apiKey, basic, defineConnector, oauth2 } from '../../kit/index.js'
import { connectKindOf, formFieldsOf } from './fields.js'

const settings = z.object({
  region: z.enum(['eu', 'us']).describe('Where your account lives'),
  notes: z.string().optional().meta({ title: 'Notes', 'x-multiline': true }),
  pageSize: z.number().int().default(50),
  sandboxMode: z.boolean().optional(),
  tags: z.array(z.string()).optional(),
})

function connector(auth: Parameters<typeof defineConnector>[0]['auth']) {
  return defineConnector({ id: 'acme', name: 'Acme', categories: [], settings, auth, capabilities: {} })
}

describe('Connect page form fields', () => {
  it('renders settings as select, textarea, number and checkbox, with required marks and tooltips', () => {
    const fields = formFieldsOf(connector(apiKey({ header: 'X-API-Key' })))
    const byName = Object.fromEntries(fields.map((field) => [field.name, field]))
    expect(byName['region']).toEqual({
      group: 'settings',
      name: 'region',
      control: 'select',
      label: 'Region',
      required: true,
      tooltip: 'Where your account lives',
      options: [
        { value: 'eu', label: 'eu' },
        { value: 'us', label: 'us' },
      ],
    })
    expect(byName['notes']).toMatchObject({ control: 'textarea', label: 'Notes', required: false })
    expect(byName['pageSize']).toMatchObject({
      control: 'number',
      label: 'Page size',
      required: false,
      initial: '50',
    })
    expect(byName['sandboxMode']).toMatchObject({ control: 'checkbox', required: false })
    // No single input fits a list; the connector's default applies.
    expect(byName['tags']).toBeUndefined()
  })

  it("adds the scheme's auth fields after the settings for form connectors", () => {
    const fields = formFieldsOf(
      connector(
        apiKey({
          fields: {
            domain: { type: 'select', label: 'Domain', options: [{ value: 'a.test', label: 'A' }] },
            apiKey: { label: 'API key', tooltip: 'Under Settings → API' },
          },
        }),
      ),
    )
    expect(fields.filter((field) => field.group === 'auth')).toEqual([
      {
        group: 'auth',
        name: 'domain',
        control: 'select',
        label: 'Domain',
        required: true,
        options: [{ value: 'a.test', label: 'A' }],
      },
      {
        group: 'auth',
        name: 'apiKey',
        control: 'password',
        label: 'API key',
        required: true,
        tooltip: 'Under Settings → API',
      },
    ])
    expect(formFieldsOf(connector(basic())).map((field) => field.name)).toContain('password')
  })

  it('asks nothing secret for an OAuth 2 code-grant connector, which connects through consent', () => {
    const oauth = connector(
      oauth2({ authorizationUrl: 'https://acme.test/authorize', tokenUrl: 'https://acme.test/token' }),
    )
    expect(connectKindOf(oauth)).toBe('oauth')
    expect(formFieldsOf(oauth).every((field) => field.group === 'settings')).toBe(true)
    const machine = connector(
      oauth2({ grantType: 'client_credentials', tokenUrl: 'https://acme.test/token' }),
    )
    expect(connectKindOf(machine)).toBe('form')
  })
})
