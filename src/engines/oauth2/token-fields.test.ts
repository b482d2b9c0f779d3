import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import { readTokenFields } from './token-fields.js'
import { readTokenResponse } from './token-response.js'

const NOW = 1_700_000_000

describe('readTokenFields', () => {
  it('reads the settings a token response supplies (Salesforce instance_url)', () => {
    const body = { access_token: 'at', instance_url: 'https://acme.my.salesforce.com', id: 'x' }
    expect(readTokenFields(body, { settings: { instanceUrl: 'instance_url' } }, NOW)).toEqual({
      accessToken: 'at',
      tokenType: 'Bearer',
      settings: { instanceUrl: 'https://acme.my.salesforce.com' },
      raw: { instance_url: 'https://acme.my.salesforce.com', id: 'x' },
    })
  })

  it('refuses a response without a setting it must supply', () => {
    let caught: unknown
    try {
      readTokenFields({ access_token: 'at' }, { settings: { instanceUrl: 'instance_url' } }, NOW)
    } catch (error) {
      caught = error
    }
    expect(isPatchbayError(caught, 'invalid_response')).toBe(true)
  })

  it('reads the RFC 6749 names when no paths are declared', () => {
    const tokens = readTokenFields(
      {
        access_token: 'at',
        token_type: 'bearer',
        refresh_token: 'rt',
        expires_in: 60,
        scope: 'a b',
      },
      {},
      NOW,
    )
    expect(tokens).toEqual({
      accessToken: 'at',
      tokenType: 'bearer',
      refreshToken: 'rt',
      expiresAt: NOW + 60,
      scope: 'a b',
      // The answer less its tokens, for what else the provider said.
      raw: { token_type: 'bearer', expires_in: 60, scope: 'a b' },
    })
  })

  it('reads expires_in in the unit the connector declares', () => {
    const body = { access_token: 'at', expires_in: 3_600_000 }
    expect(readTokenFields(body, { expiresInUnit: 'milliseconds' }, NOW).expiresAt).toBe(NOW + 3600)
    expect(readTokenFields({ access_token: 'at', expires_in: 30 }, { expiresInUnit: 'minutes' }, NOW).expiresAt).toBe(
      NOW + 1800,
    )
    // Without a unit, the same answer is seconds: a thousand hours.
    expect(readTokenFields(body, {}, NOW).expiresAt).toBe(NOW + 3_600_000)
  })

  it('reads a Slack-style response nested in authed_user by dot paths', () => {
    const body = {
      ok: true,
      access_token: 'xoxb-bot',
      authed_user: {
        id: 'U1',
        access_token: 'xoxp-user',
        refresh_token: 'xoxe-1',
        expires_in: 43200,
        scope: 'chat:write',
      },
    }
    const tokens = readTokenFields(
      body,
      {
        accessToken: 'authed_user.access_token',
        refreshToken: 'authed_user.refresh_token',
        expiresIn: 'authed_user.expires_in',
        scope: 'authed_user.scope',
      },
      NOW,
    )
    expect(tokens).toEqual({
      accessToken: 'xoxp-user',
      tokenType: 'Bearer',
      refreshToken: 'xoxe-1',
      expiresAt: NOW + 43200,
      scope: 'chat:write',
      // The user's tokens leave raw; the bot token at the top is another token, kept as sent.
      raw: { ok: true, access_token: 'xoxb-bot', authed_user: { id: 'U1', expires_in: 43200, scope: 'chat:write' } },
    })
  })

  it('reads renamed fields', () => {
    const tokens = readTokenFields(
      { accessToken: 'at', refreshToken: 'rt', expiresIn: '120', tokenType: 'Bearer', scopes: 'x' },
      {
        accessToken: 'accessToken',
        refreshToken: 'refreshToken',
        expiresIn: 'expiresIn',
        tokenType: 'tokenType',
        scope: 'scopes',
      },
      NOW,
    )
    expect(tokens).toMatchObject({
      accessToken: 'at',
      refreshToken: 'rt',
      expiresAt: NOW + 120,
      scope: 'x',
    })
  })

  it('takes an absolute expiry in epoch seconds, milliseconds or an ISO date from expiresAt', () => {
    const at = { expiresAt: 'expires_at' }
    expect(readTokenFields({ access_token: 'a', expires_at: NOW + 5 }, at, NOW).expiresAt).toBe(
      NOW + 5,
    )
    expect(
      readTokenFields({ access_token: 'a', expires_at: (NOW + 7) * 1000 }, at, NOW).expiresAt,
    ).toBe(NOW + 7)
    const iso = new Date((NOW + 9) * 1000).toISOString()
    expect(readTokenFields({ access_token: 'a', expires_at: iso }, at, NOW).expiresAt).toBe(NOW + 9)
  })

  it('prefers a lifetime in expires_in over an absolute expiry', () => {
    const tokens = readTokenFields(
      { access_token: 'a', expires_in: 30, expires_at: NOW + 999 },
      { expiresAt: 'expires_at' },
      NOW,
    )
    expect(tokens.expiresAt).toBe(NOW + 30)
  })

  it('gives no expiry when the provider tells none, or only an expires_at nobody declared', () => {
    expect(
      readTokenFields({ access_token: 'a' }, { expiresAt: 'expires_at' }, NOW).expiresAt,
    ).toBeUndefined()
    expect(
      readTokenFields({ access_token: 'a', expires_at: NOW + 5 }, {}, NOW).expiresAt,
    ).toBeUndefined()
    expect(
      readTokenFields({ access_token: 'a', expires_at: 'soon' }, { expiresAt: 'expires_at' }, NOW)
        .expiresAt,
    ).toBeUndefined()
  })

  it('refuses with invalid_response naming the path when the access token is not there', () => {
    try {
      readTokenFields(
        { access_token: 'top-level' },
        { accessToken: 'authed_user.access_token' },
        NOW,
      )
      expect.unreachable()
    } catch (error) {
      expect(isPatchbayError(error, 'invalid_response')).toBe(true)
      expect((error as Error).message).toContain('authed_user.access_token')
      expect((error as Error).message).not.toContain('top-level')
    }
  })
})

describe('readTokenResponse with declared paths', () => {
  it('applies the paths to a response body and still reads a 200 carrying error as a failure', async () => {
    const nested = Response.json({ ok: true, authed_user: { access_token: 'at-1' } })
    const tokens = await readTokenResponse(
      nested,
      { now: NOW, grant: 'authorization_code' },
      { accessToken: 'authed_user.access_token' },
    )
    expect(tokens.accessToken).toBe('at-1')
    const refused = Response.json({ ok: false, error: 'invalid_grant' })
    await expect(
      readTokenResponse(
        refused,
        { now: NOW, grant: 'refresh_token' },
        { accessToken: 'authed_user.access_token' },
      ),
    ).rejects.toMatchObject({ code: 'needs_reauth' })
  })
})
