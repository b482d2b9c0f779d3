import { afterEach, describe, expect, it } from 'vitest'
import { replayFetch, startReplayServer } from './index.js'
import type { Exchange, ReplayServer } from './index.js'

const userExchange: Exchange = {
  request: {
    method: 'GET',
    url: 'https://api.github.com/user',
    headers: { Authorization: 'Bearer gho_test' },
  },
  response: { status: 200, headers: { 'x-ratelimit-remaining': '4999' }, body: { id: 1, login: 'octocat' } },
}

let server: ReplayServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('replay server', () => {
  it('answers a recorded request sent to the provider URL with the recorded response', async () => {
    server = await startReplayServer([userExchange])
    const res = await replayFetch(server)('https://api.github.com/user', {
      headers: { authorization: 'Bearer gho_test' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('x-ratelimit-remaining')).toBe('4999')
    expect(await res.json()).toEqual({ id: 1, login: 'octocat' })
    expect(() => server!.assertDone()).not.toThrow()
  })

  it('answers an unexpected request 599, records it and fails assertDone', async () => {
    server = await startReplayServer([userExchange])
    const fetch = replayFetch(server)
    const res = await fetch('https://api.github.com/user/emails', {
      headers: { authorization: 'Bearer gho_test' },
    })
    expect(res.status).toBe(599)
    expect(((await res.json()) as { message: string }).message).toContain(
      'unexpected GET https://api.github.com/user/emails',
    )
    expect(server.unexpected).toEqual([
      { method: 'GET', url: 'https://api.github.com/user/emails', reason: 'expected GET https://api.github.com/user' },
    ])
    // The recorded exchange is still there for the right request, but the test already failed.
    expect(await (await fetch('https://api.github.com/user', { headers: { authorization: 'Bearer gho_test' } })).json())
      .toEqual({ id: 1, login: 'octocat' })
    expect(() => server!.assertDone()).toThrow(/unexpected GET https:\/\/api\.github\.com\/user\/emails/)
  })

  it('fails assertDone when a recorded exchange was never used', async () => {
    server = await startReplayServer([userExchange])
    expect(server.remaining).toHaveLength(1)
    expect(() => server!.assertDone()).toThrow(/unused GET https:\/\/api\.github\.com\/user/)
  })

  it('treats the same path on another origin as unexpected', async () => {
    server = await startReplayServer([userExchange])
    const res = await replayFetch(server)('https://api.gitlab.com/user', {
      headers: { authorization: 'Bearer gho_test' },
    })
    expect(res.status).toBe(599)
    expect(server.unexpected[0]?.url).toBe('https://api.gitlab.com/user')
  })

  it('matches the query as part of the URL', async () => {
    server = await startReplayServer([
      { request: { method: 'GET', url: 'https://slack.com/api/users.info?user=U1' }, response: { status: 200, body: { ok: true } } },
    ])
    const fetch = replayFetch(server)
    expect((await fetch('https://slack.com/api/users.info?user=U2')).status).toBe(599)
    expect((await fetch('https://slack.com/api/users.info?user=U1')).status).toBe(200)
  })

  it('refuses a request whose recorded header differs, without echoing its value', async () => {
    server = await startReplayServer([userExchange])
    const res = await replayFetch(server)('https://api.github.com/user', {
      headers: { authorization: 'Bearer gho_other' },
    })
    expect(res.status).toBe(599)
    expect(server.unexpected[0]?.reason).toBe('header authorization differs')
    expect(JSON.stringify(server.unexpected)).not.toContain('gho_other')
  })

  it('compares a recorded JSON or form body by value', async () => {
    server = await startReplayServer([
      {
        request: { method: 'POST', url: 'https://api.dropboxapi.com/2/users/get_current_account', body: null },
        response: { status: 200, body: { account_id: 'dbid:1' } },
      },
      {
        request: { method: 'POST', url: 'https://example.com/token', body: { grant_type: 'refresh_token', refresh_token: 'r1' } },
        response: { status: 200, body: { access_token: 'a2' } },
      },
    ])
    const fetch = replayFetch(server)
    const dropbox = await fetch('https://api.dropboxapi.com/2/users/get_current_account', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'null',
    })
    expect(dropbox.status).toBe(200)
    const token = await fetch('https://example.com/token', {
      method: 'POST',
      body: new URLSearchParams({ refresh_token: 'r1', grant_type: 'refresh_token' }),
    })
    expect(token.status).toBe(200)
    server.assertDone()
  })

  it('requires the recorded order', async () => {
    const second: Exchange = {
      request: { method: 'GET', url: 'https://api.github.com/user/emails' },
      response: { status: 200, body: [] },
    }
    server = await startReplayServer([userExchange, second])
    expect((await replayFetch(server)('https://api.github.com/user/emails')).status).toBe(599)
  })

  it('names the missing origin header of a request that did not come through replayFetch', async () => {
    server = await startReplayServer([userExchange])
    const res = await fetch(`${server.url}/user`)
    expect(res.status).toBe(599)
    expect(server.unexpected[0]?.reason).toContain('replayFetch')
  })

  it('passes the recorded status and text body through, redirects included', async () => {
    server = await startReplayServer([
      {
        request: { method: 'GET', url: 'https://login.example.com/start' },
        response: { status: 302, headers: { location: 'https://login.example.com/next' }, body: '' },
      },
    ])
    const res = await replayFetch(server)('https://login.example.com/start')
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('https://login.example.com/next')
    server.assertDone()
  })
})
