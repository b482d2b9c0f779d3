import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { isPatchbayError } from '../errors.js'
import { oauth2 } from './auth-schemes.js'
import { defineConnector } from './define-connector.js'
import { connectorFromJson } from './json-connector.js'
import { normalizeProfile } from './social-profile.js'

const request = '/user'

describe('normalizeProfile', () => {
  it('turns a numeric id into a string and keeps a verified email', () => {
    const body = { id: 583231, email: 'octo@example.test', email_verified: 'true', name: 'Octo' }
    expect(
      normalizeProfile({ request, id: 'id', email: 'email', emailVerified: 'email_verified', name: 'name' }, body),
    ).toEqual({
      id: '583231',
      email: 'octo@example.test',
      email_verified: true,
      phone_verified: false,
      name: 'Octo',
      raw: body,
    })
  })

  it("counts a verified flag of 1 (Zoom's verified) and not one of 0", () => {
    const spec = { request, id: 'id', email: 'email', emailVerified: 'verified' }
    expect(normalizeProfile(spec, { id: 'z1', email: 'a@b.test', verified: 1 }).email).toBe('a@b.test')
    expect(normalizeProfile(spec, { id: 'z1', email: 'a@b.test', verified: 0 }).email).toBeUndefined()
  })

  it('drops an email or phone without a verified claim, or with a false one', () => {
    const body = { sub: 's', email: 'a@b.test', phone: '+1555', email_verified: false }
    const profile = normalizeProfile({ request, id: 'sub', email: 'email', emailVerified: 'email_verified', phone: 'phone' }, body)
    expect(profile).toEqual({ id: 's', email_verified: false, phone_verified: false, raw: body })
  })

  it('trusts an email when the connector says the provider only returns verified ones', () => {
    const profile = normalizeProfile({ request, id: 'id', email: 'mail', emailVerified: true }, { id: 'x', mail: 'm@x.test' })
    expect(profile).toMatchObject({ email: 'm@x.test', email_verified: true })
  })

  it('takes the primary verified address of an email list, and none when it is unverified', () => {
    const spec = { request, id: 'id', emails: { request: '/user/emails', list: 'data' } }
    const verified = { data: [{ email: 'old@x.test', primary: false, verified: true }, { email: 'p@x.test', primary: true, verified: true }] }
    const unverified = { data: [{ email: 'old@x.test', primary: false, verified: true }, { email: 'p@x.test', primary: true, verified: false }] }
    expect(normalizeProfile(spec, { id: 1 }, verified)).toMatchObject({ email: 'p@x.test', email_verified: true })
    expect(normalizeProfile(spec, { id: 1 }, unverified)).toEqual({ id: '1', email_verified: false, phone_verified: false, raw: { id: 1 } })
  })

  it('refuses a profile without the declared id as invalid_response', () => {
    let caught: unknown
    try {
      normalizeProfile({ request, id: 'user.id' }, { user: {} })
    } catch (error) {
      caught = error
    }
    expect(isPatchbayError(caught, 'invalid_response')).toBe(true)
  })
})

describe('declaring a social profile', () => {
  const base = {
    id: 'social',
    name: 'Social',
    settings: { type: 'object', properties: {} },
  }

  it('refuses social pickers without an id in the JSON form, naming each field', () => {
    let caught: unknown
    try {
      connectorFromJson({
        ...base,
        auth: {
          type: 'oauth2',
          authorizationUrl: 'https://p.example/authorize',
          tokenUrl: 'https://p.example/token',
          profile: { request: '/me', emailVerified: 'email_verified', avatar: 'picture' },
        },
      })
    } catch (error) {
      caught = error
    }
    expect(isPatchbayError(caught, 'invalid_config')).toBe(true)
    expect((caught as { details: { problems: string[] } }).details.problems).toEqual([
      "auth.profile.emailVerified: needs profile.id (the provider's stable user id)",
      "auth.profile.avatar: needs profile.id (the provider's stable user id)",
    ])
  })

  it('refuses them in TypeScript too', () => {
    expect(() =>
      defineConnector({
        id: 'social',
        name: 'Social',
        settings: z.object({}),
        auth: oauth2({
          authorizationUrl: 'https://p.example/authorize',
          tokenUrl: 'https://p.example/token',
          profile: { request: '/me', phone: 'phone' },
        }),
      }),
    ).toThrow(/profile.phone: needs profile.id/)
  })

  it('accepts a GitHub-style declaration with an email list', () => {
    const connector = connectorFromJson({
      ...base,
      auth: {
        type: 'oauth2',
        authorizationUrl: 'https://p.example/authorize',
        tokenUrl: 'https://p.example/token',
        profile: { request: '/user', id: 'id', name: 'name', avatar: 'avatar_url', emails: { request: '/user/emails' } },
      },
    })
    expect(connector.auth.profile).toMatchObject({ id: 'id', emails: { request: '/user/emails' } })
  })
})
