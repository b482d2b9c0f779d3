import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { apiKey } from './auth-schemes.js'
import { defineConnector } from './define-connector.js'
import type { ConnectorInput } from './define-connector.js'
import type { AuthScheme, Capability } from './types.js'

const capability: Capability = {
  request: z.object({}),
  response: z.object({ ok: z.boolean() }),
  run: async () => ({ ok: true }),
}

function input(overrides: Partial<ConnectorInput<unknown>> = {}): ConnectorInput<unknown> {
  return {
    id: 'acme',
    name: 'Acme',
    settings: z.object({}),
    auth: apiKey({ header: 'X-Api-Key' }),
    ...overrides,
  }
}

describe('defineConnector', () => {
  it('returns the connector with empty categories and capabilities filled in', () => {
    const connector = defineConnector(input())
    expect(connector.id).toBe('acme')
    expect(connector.categories).toEqual([])
    expect(connector.capabilities).toEqual({})
  })

  it('keeps declared capabilities and categories without sharing the caller’s containers', () => {
    const categories = ['crm']
    const capabilities = { list_users: capability }
    const connector = defineConnector(input({ categories, capabilities }))
    expect(connector.capabilities['list_users']).toBe(capability)
    connector.categories.push('x')
    expect(categories).toEqual(['crm'])
  })

  it.each(['Acme', 'acme corp', '-acme', '', 'a'.repeat(64), 'acme.io'])(
    'refuses the id %j with a TypeError',
    (id) => {
      expect(() => defineConnector(input({ id }))).toThrow(TypeError)
    },
  )

  it('accepts ids with digits, dashes and underscores', () => {
    expect(defineConnector(input({ id: '0-acme_v2' })).id).toBe('0-acme_v2')
  })

  it('refuses a connector without a name', () => {
    expect(() => defineConnector(input({ name: '' }))).toThrow(TypeError)
  })

  it('refuses settings that are not a zod schema', () => {
    const settings = { type: 'object' } as unknown as z.ZodType<unknown>
    expect(() => defineConnector(input({ settings }))).toThrow(/settings must be a zod schema/)
  })

  it('refuses an auth value that did not come from a scheme helper', () => {
    const auth = { header: 'X-Api-Key' } as unknown as AuthScheme
    expect(() => defineConnector(input({ auth }))).toThrow(TypeError)
    expect(() => defineConnector(input({ auth: undefined as unknown as AuthScheme }))).toThrow(
      TypeError,
    )
  })

  it.each(['listUsers', 'list-users', '1list', '_x'])(
    'refuses the capability name %j with a TypeError',
    (name) => {
      expect(() => defineConnector(input({ capabilities: { [name]: capability } }))).toThrow(
        TypeError,
      )
    },
  )
})
