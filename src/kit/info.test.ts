import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { apiKey, basic, oauth2 } from './auth-schemes.js'
import { defineConnector } from './define-connector.js'
import { authFieldsOf, authJsonSchema, describeConnector, jsonSchemaOf } from './info.js'
import { connectorFromJson } from './json-connector.js'

describe('describeConnector', () => {
  const connector = defineConnector({
    id: 'freshdesk',
    name: 'Freshdesk',
    categories: ['support'],
    baseUrl: 'https://{{subdomain}}.freshdesk.com/api/v2',
    settings: z.object({
      subdomain: z.string().describe('Your Freshdesk subdomain'),
      region: z.string().optional(),
    }),
    auth: apiKey({
      fields: {
        domain: { label: 'Domain', tooltip: 'acme.freshdesk.com', placeholder: 'acme' },
        apiKey: { label: 'API key' },
        notes: { type: 'textarea', required: false },
        plan: {
          type: 'select',
          options: [
            { value: 'free', label: 'Free' },
            { value: 'pro', label: 'Pro' },
          ],
        },
      },
      headers: { Authorization: 'Basic {{apiKey}}' },
    }),
    capabilities: {
      list_agents: {
        description: 'Lists agents',
        scopes: ['agents:read'],
        request: z.object({ limit: z.number().int().optional() }),
        response: z.array(z.object({ id: z.string() })),
        run: async () => [],
      },
    },
  })
  const described = describeConnector(connector)

  it('publishes metadata with null for what is not declared', () => {
    expect(described).toMatchObject({
      id: 'freshdesk',
      name: 'Freshdesk',
      description: null,
      logo_url: null,
      docs_url: null,
      version: null,
      categories: ['support'],
      base_url: 'https://{{subdomain}}.freshdesk.com/api/v2',
    })
  })

  it('publishes settings as JSON Schema with their required list', () => {
    expect(described['settings']).toMatchObject({
      type: 'object',
      properties: {
        subdomain: { type: 'string', description: 'Your Freshdesk subdomain' },
        region: { type: 'string' },
      },
      required: ['subdomain'],
    })
  })

  it('publishes auth fields as JSON Schema under their wire names, secrets write-only', () => {
    expect(described['auth']).toEqual({
      type: 'api_key',
      fields: {
        type: 'object',
        properties: {
          domain: {
            type: 'string',
            title: 'Domain',
            description: 'acme.freshdesk.com',
            'x-placeholder': 'acme',
          },
          api_key: { type: 'string', title: 'API key', format: 'password', writeOnly: true },
          notes: { type: 'string', title: 'notes', 'x-multiline': true },
          plan: {
            type: 'string',
            title: 'plan',
            enum: ['free', 'pro'],
            'x-enum-labels': ['Free', 'Pro'],
          },
        },
        required: ['domain', 'api_key', 'plan'],
        additionalProperties: false,
      },
    })
  })

  it('publishes capabilities with request and response schemas', () => {
    expect(described['capabilities']).toMatchObject({
      list_agents: {
        description: 'Lists agents',
        scopes: ['agents:read'],
        request: { type: 'object', properties: { limit: { type: 'integer' } } },
        response: { type: 'array', items: { type: 'object' } },
      },
    })
  })

  it('publishes the settings of a JSON connector as they were declared', () => {
    const json = connectorFromJson({
      id: 'acme',
      name: 'Acme',
      settings: {
        type: 'object',
        properties: { subdomain: { type: 'string' } },
        required: ['subdomain'],
      },
      auth: { type: 'basic' },
    })
    const out = describeConnector(json)
    expect(out['settings']).toMatchObject({
      type: 'object',
      properties: { subdomain: { type: 'string' } },
      required: ['subdomain'],
    })
    expect(out['auth']).toMatchObject({
      type: 'basic',
      login: false,
      fields: {
        properties: {
          username: { type: 'string', title: 'Username' },
          password: { type: 'string', title: 'Password', writeOnly: true },
        },
        required: ['username', 'password'],
      },
    })
  })

  it('publishes OAuth 2 grant, scopes and PKCE', () => {
    const out = describeConnector(
      defineConnector({
        id: 'acme',
        name: 'Acme',
        settings: z.object({}),
        auth: oauth2({
          authorizationUrl: 'https://acme.test/a',
          tokenUrl: 'https://acme.test/t',
          scopes: ['openid'],
          pkce: false,
        }),
      }),
    )
    expect(out['auth']).toMatchObject({
      type: 'oauth2',
      grant_type: 'authorization_code',
      scopes: ['openid'],
      pkce: false,
      fields: { required: ['access_token'] },
    })
  })
})

describe('authFieldsOf', () => {
  it('offers an inline access token and optional refresh token for the code grant', () => {
    const fields = authFieldsOf(
      oauth2({ authorizationUrl: 'https://a.test', tokenUrl: 'https://t.test' }),
    )
    expect(Object.keys(fields)).toEqual(['access_token', 'refresh_token'])
    expect(fields['access_token']?.required).toBe(true)
    expect(fields['refresh_token']?.required).toBe(false)
  })

  it('offers optional client id and secret for client credentials', () => {
    const fields = authFieldsOf(
      oauth2({ grantType: 'client_credentials', tokenUrl: 'https://t.test' }),
    )
    expect(Object.keys(fields)).toEqual(['client_id', 'client_secret'])
  })

  it('returns a basic scheme’s own fields', () => {
    const scheme = basic()
    expect(authFieldsOf(scheme)).toBe(scheme.fields)
  })
})

describe('authJsonSchema', () => {
  it('marks password fields write-only and lists required ones', () => {
    const schema = authJsonSchema(apiKey({ fields: { apiKey: {}, account: { required: false } } }))
    expect(schema).toEqual({
      type: 'object',
      properties: {
        apiKey: { type: 'string', title: 'apiKey', format: 'password', writeOnly: true },
        account: { type: 'string', title: 'account' },
      },
      required: ['apiKey'],
      additionalProperties: false,
    })
  })
})

describe('jsonSchemaOf', () => {
  it('describes the input side of a schema, so defaulted fields are optional', () => {
    const schema = jsonSchemaOf(z.object({ a: z.string(), b: z.string().default('x') }))
    expect(schema['required']).toEqual(['a'])
  })

  it('falls back to a permissive schema for what JSON Schema cannot express', () => {
    expect(() => jsonSchemaOf(z.object({ when: z.date(), n: z.bigint() }))).not.toThrow()
  })
})
