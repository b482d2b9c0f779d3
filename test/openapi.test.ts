import { createHmac, randomBytes } from 'node:crypto'
import { Validator } from '@seriousme/openapi-schema-validator'
import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '../src/server/index.js'
import { createWorkspace } from './helpers/cli.js'
import { connectViaBrowser, consent, startHarness } from './helpers/harness.js'
import { putConnector } from './helpers/connectors.js'
import { startVonage } from './helpers/message-servers.js'
import { createVonageSmsConnector } from '../src/connectors/index.js'
import type { Harness } from './helpers/harness.js'
import { allowedName, nonSnakeKeys } from './helpers/wire-names.js'

type Json = Record<string, any>

/** A documented response schema as a standalone JSON Schema: components become `$defs`. */
function standalone(document: Json, schema: Json): Json {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite)
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [
          key,
          key === '$ref' && typeof item === 'string'
            ? item.replace('#/components/schemas/', '#/$defs/')
            : rewrite(item),
        ]),
      )
    }
    return value
  }
  return { ...(rewrite(schema) as Json), $defs: rewrite(document['components']['schemas']) }
}

describe('the OpenAPI document', () => {
  let h: Harness
  let document: Json
  const exercised = new Set<string>()
  const camelCase: string[] = []

  /** Checks a real response against what the served document says for its route and status. */
  async function conforms(method: string, template: string, response: { status: number; body: unknown }) {
    const operation = document['paths'][template]?.[method]
    expect(operation, `${method} ${template} is documented`).toBeDefined()
    const documented = operation.responses[String(response.status)]
    expect(documented, `${method} ${template} documents status ${response.status}`).toBeDefined()
    const schema = documented.content?.['application/json']?.schema
    if (schema) {
      const result = z.fromJSONSchema(standalone(document, schema) as never).safeParse(response.body)
      expect(result.success, `${method} ${template} ${response.status}: ${JSON.stringify(result.error?.issues)}`).toBe(true)
    }
    camelCase.push(...nonSnakeKeys(response.body).map((key) => `${method} ${template} ${response.status}: ${key}`))
    exercised.add(`${method} ${template} ${response.status}`)
  }

  let vonage: Awaited<ReturnType<typeof startVonage>>

  beforeAll(async () => {
    vonage = await startVonage({ apiKey: 'doc-key', apiSecret: 'doc-secret-123' })
    h = await startHarness({ connectors: () => [createVonageSmsConnector({ baseUrl: vonage.url })] })
    document = (await (await fetch(`${h.server.url}/openapi.json`)).json()) as Json
  })
  afterAll(async () => {
    await h.close()
    await vonage.close()
  })

  it('is valid OpenAPI 3.1 as printed by `patchbay spec`', async () => {
    const workspace = createWorkspace()
    try {
      const printed = await workspace.run(['spec'])
      expect(printed.code).toBe(0)
      expect(printed.json.openapi).toBe('3.1.0')
      const result = await new Validator().validate(printed.json)
      expect(result.errors ?? []).toEqual([])
      expect(result.valid).toBe(true)
      expect(Object.keys(printed.json.paths)).toEqual(Object.keys(document['paths']))
    } finally {
      workspace.remove()
    }
  })

  it('describes what the server really answers, route by route', async () => {
    await conforms('get', '/health', await h.api('GET', '/health'))
    await conforms('get', '/metrics', await h.api('GET', '/metrics'))
    const anonymousMetrics = await fetch(`${h.server.url}/metrics`)
    await conforms('get', '/metrics', { status: anonymousMetrics.status, body: await anonymousMetrics.json() })
    await conforms('get', '/ready', await h.api('GET', '/ready'))
    const key = await h.api('POST', '/keys', { name: 'doc' })
    h.secrets.push(key.body.key)
    await conforms('post', '/keys', key)
    await conforms('post', '/keys', await h.api('POST', '/keys', { name: 5 }))
    await conforms('get', '/keys', await h.api('GET', '/keys'))
    await conforms('delete', '/keys/{id}', await h.api('DELETE', `/keys/${key.body.id}`))
    await conforms('delete', '/keys/{id}', await h.api('DELETE', '/keys/key_missing'))
    await conforms('get', '/connectors', await h.api('GET', '/connectors'))
    await conforms('get', '/connectors/{id}', await h.api('GET', '/connectors/sandbox'))
    await conforms('get', '/connectors/{id}', await h.api('GET', '/connectors/nope'))
    await conforms(
      'put',
      '/connectors/{id}',
      await h.api('PUT', '/connectors/doc-keys', {
        id: 'doc-keys',
        name: 'Doc keys',
        baseUrl: h.sandbox.url,
        settings: { type: 'object', properties: {} },
        auth: { type: 'api_key', header: 'X-API-Key', validate: '/apikey/me', profile: { request: '/apikey/me', accountName: 'name' } },
      }),
    )
    await conforms('put', '/connectors/{id}', await h.api('PUT', '/connectors/broken', { id: 'broken' }))
    await conforms('put', '/integrations/{id}', await h.api('PUT', '/integrations/doc-keys', { connector: 'doc-keys' }))
    await conforms('put', '/integrations/{id}', await h.api('PUT', '/integrations/x', { connector: 5 }))
    await conforms('put', '/integrations/{id}', await h.api('PUT', '/integrations/x', { connector: 'missing' }))
    await conforms('get', '/integrations', await h.api('GET', '/integrations'))
    await conforms('get', '/integrations/{id}', await h.api('GET', '/integrations/sandbox'))
    await conforms('get', '/integrations/{id}', await h.api('GET', '/integrations/missing'))
    await conforms('post', '/connect/sessions', await h.api('POST', '/connect/sessions', { integration: 'sandbox' }))
    await conforms('post', '/connect/sessions', await h.api('POST', '/connect/sessions', {}))
    await conforms('post', '/connect/sessions', await h.api('POST', '/connect/sessions', { integration: 'missing' }))
    const page = await h.api('POST', '/connect/sessions', { integrations: ['doc-keys', 'sandbox'] })
    await conforms('post', '/connect/sessions', page)
    const pageCall = async (path: string, body: unknown) => {
      const init = { method: 'POST', headers: { authorization: `Bearer ${page.body.token}` }, body: JSON.stringify(body) }
      const response = await fetch(`${h.server.url}${path}`, init)
      return { status: response.status, body: await response.json() }
    }
    await conforms('post', '/connect/api/oauth/start', await pageCall('/connect/api/oauth/start', { integration: 'sandbox' }))
    await conforms('post', '/connect/api/oauth/start', await pageCall('/connect/api/oauth/start', { integration: 'doc-keys' }))
    await conforms('post', '/connect/api/connections', await pageCall('/connect/api/connections', { integration: 'doc-keys', auth: { api_key: 'wrong-key-123' } }))
    const fromPage = await pageCall('/connect/api/connections', { integration: 'doc-keys', auth: { api_key: h.sandbox.apiKey } })
    await conforms('post', '/connect/api/connections', fromPage)
    await h.api('DELETE', `/connections/${fromPage.body.connection.id}`)

    const created = await h.api('POST', '/connections', { integration: 'doc-keys', auth: { api_key: h.sandbox.apiKey } })
    await conforms('post', '/connections', created)
    await conforms('post', '/connections', await h.api('POST', '/connections', { integration: 'doc-keys', auth: { api_key: 'wrong-key-123' } }))
    await conforms('post', '/connections', await h.api('POST', '/connections', { integration: 'doc-keys', auth: {} }))
    await conforms('post', '/connections', await h.api('POST', '/connections', { integration: 'missing' }))
    const oauthId = await connectViaBrowser(h)
    await conforms('get', '/connections', await h.api('GET', '/connections'))
    const firstPage = await h.api('GET', '/connections?limit=1&status=active')
    expect(firstPage.body.next_cursor).toEqual(expect.any(String))
    await conforms('get', '/connections', firstPage)
    await conforms('get', '/connections', await h.api('GET', `/connections?limit=1&cursor=${firstPage.body.next_cursor}`))
    await conforms('get', '/connections', await h.api('GET', '/connections?limit=0'))
    const importedToken = `at_${randomBytes(12).toString('hex')}`
    h.secrets.push(importedToken)
    const imported = await h.api('POST', '/connections/import', [
      { integration: 'sandbox', connection_id: 'doc-imported', auth: { access_token: importedToken } },
    ])
    expect(imported.body).toEqual({ imported: 1, replaced: 0, batches: 1 })
    await conforms('post', '/connections/import', imported)
    await conforms('post', '/connections/import', await h.api('POST', '/connections/import', [{ integration: 'sandbox' }]))
    await h.api('DELETE', '/connections/doc-imported')
    await conforms('get', '/connections/{id}', await h.api('GET', `/connections/${oauthId}`))
    await conforms('get', '/connections/{id}', await h.api('GET', '/connections/missing'))
    await conforms('get', '/connections/{id}/credentials', await h.api('GET', `/connections/${oauthId}/credentials`))
    await conforms('get', '/connections/{id}/credentials', await h.api('GET', '/connections/missing/credentials'))
    await conforms('post', '/connections/{id}/refresh', await h.api('POST', `/connections/${oauthId}/refresh`))
    await conforms('get', '/connections/{id}/events', await h.api('GET', `/connections/${oauthId}/events?limit=1`))
    await conforms('get', '/connections/{id}/events', await h.api('GET', `/connections/${oauthId}/events?cursor=x`))
    await conforms('post', '/connections/{id}/refresh', await h.api('POST', '/connections/missing/refresh'))
    await conforms(
      'post',
      '/connections/{id}/capabilities/{name}',
      await h.api('POST', `/connections/${oauthId}/capabilities/get_user_info`, { request: {} }),
    )
    await conforms(
      'post',
      '/connections/{id}/capabilities/{name}',
      await h.api('POST', `/connections/${oauthId}/capabilities/nope`, { request: {} }),
    )
    const proxied = await fetch(`${h.server.url}/proxy/me`, {
      headers: { authorization: `Bearer ${h.apiKey}`, 'connection-id': oauthId },
    })
    await conforms('get', '/proxy/{path}', { status: proxied.status, body: await proxied.json() })
    await conforms('get', '/proxy/{path}', await h.api('GET', '/proxy/me'))

    await conforms(
      'put',
      '/connectors/{id}',
      await h.api('PUT', '/connectors/doc-hooks', {
        id: 'doc-hooks',
        name: 'Doc hooks',
        settings: { type: 'object', properties: {} },
        auth: { type: 'api_key', header: 'X-API-Key' },
        webhooks: { verify: { signatureHeader: 'x-doc-signature', algorithm: 'sha256', encoding: 'hex' } },
      }),
    )
    const hookSecret = randomBytes(16).toString('hex')
    await h.api('PUT', '/integrations/doc-hooks', { connector: 'doc-hooks', webhook_secret: hookSecret })
    const event = JSON.stringify({ event: 'User.Created', data: { id: 'u_1' } })
    const postHook = (integration: string, signature: string) =>
      fetch(`${h.server.url}/webhooks/${integration}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-doc-signature': signature },
        body: event,
      }).then(async (r) => ({ status: r.status, body: await r.json() }))
    await conforms('post', '/webhooks/{integration}', await postHook('doc-hooks', createHmac('sha256', hookSecret).update(event).digest('hex')))
    await conforms('post', '/webhooks/{integration}', await postHook('doc-hooks', 'f'.repeat(64)))
    await conforms('post', '/webhooks/{integration}', await postHook('missing', 'f'.repeat(64)))

    const endpoint = await h.api('POST', '/webhook-endpoints', { url: `${h.server.url}/hooks-sink` })
    await conforms('post', '/webhook-endpoints', endpoint)
    await conforms('post', '/webhook-endpoints', await h.api('POST', '/webhook-endpoints', { url: 'not a url' }))
    await conforms('get', '/webhook-endpoints', await h.api('GET', '/webhook-endpoints'))
    await conforms('delete', '/webhook-endpoints/{id}', await h.api('DELETE', `/webhook-endpoints/${endpoint.body.id}`))
    await conforms('delete', '/webhook-endpoints/{id}', await h.api('DELETE', '/webhook-endpoints/missing'))

    await putConnector(h, 'doc-social', {
      name: 'Doc social',
      baseUrl: h.sandbox.url,
      settings: { type: 'object', properties: {} },
      auth: {
        type: 'oauth2',
        authorizationUrl: `${h.sandbox.url}/oauth/authorize`,
        tokenUrl: `${h.sandbox.url}/oauth/token`,
        profile: { request: '/me', id: 'id', email: 'email', emailVerified: true },
      },
    })
    const app = 'http://127.0.0.1:9/signed-in'
    const client = h.sandbox.defaultClient
    await h.api('PUT', '/integrations/doc-social', {
      connector: 'doc-social',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      signin_redirect_uris: [app],
    })
    const signIn = await consent(`${h.server.url}/signin/doc-social/start?redirect_uri=${encodeURIComponent(app)}`)
    const landing = await fetch(signIn.callbackUrl, { redirect: 'manual', headers: { cookie: signIn.cookie } })
    const resultCode = new URL(landing.headers.get('location') as string).searchParams.get('code')
    await conforms('post', '/signin/exchange', await h.api('POST', '/signin/exchange', { code: resultCode }))
    await conforms('post', '/signin/exchange', await h.api('POST', '/signin/exchange', { code: resultCode }))
    await conforms('post', '/signin/exchange', await h.api('POST', '/signin/exchange', {}))

    const sms = {
      settings: { from: 'Acme', templates: [{ usageType: 'SignIn', content: 'Code {{code}}' }] },
      auth: { api_key: 'doc-key', api_secret: 'doc-secret-123' },
      request: { to: '447700900000', type: 'SignIn', payload: { code: '123456' } },
    }
    await conforms('post', '/connectors/{id}/test-message', await h.api('POST', '/connectors/vonage-sms/test-message', sms))
    await conforms('post', '/connectors/{id}/test-message', await h.api('POST', '/connectors/vonage-sms/test-message', { ...sms, request: { ...sms.request, type: 'Register' } }))
    await conforms('post', '/connectors/{id}/test-message', await h.api('POST', '/connectors/vonage-sms/test-message', { ...sms, auth: { api_key: 'doc-key', api_secret: 'wrong-secret' } }))
    await conforms('post', '/connectors/{id}/test-message', await h.api('POST', '/connectors/nope/test-message', sms))
    await conforms('post', '/connectors/{id}/test-message', await h.api('POST', '/connectors/sandbox/test-message', sms))

    await conforms('delete', '/connections/{id}', await h.api('DELETE', `/connections/${created.body.id}`))
    await conforms('delete', '/connections/{id}', await h.api('DELETE', '/connections/missing'))
    // The sandbox connector declares a revocation URL: the answer reports the provider's.
    await conforms('delete', '/connections/{id}', await h.api('DELETE', `/connections/${oauthId}`))
    await conforms('delete', '/integrations/{id}', await h.api('DELETE', '/integrations/doc-keys'))
    await conforms('delete', '/integrations/{id}', await h.api('DELETE', '/integrations/missing'))
    await conforms('get', '/connectors', { ...(await fetch(`${h.server.url}/connectors`).then(async (r) => ({ status: r.status, body: await r.json() }))) })
  })

  it('answers every route in snake_case (issue 13)', () => {
    expect(camelCase).toEqual([])
  })

  it('documents every property and query parameter in snake_case (issue 13)', () => {
    const names: string[] = []
    const walk = (value: unknown, at: string): void => {
      if (Array.isArray(value)) return value.forEach((item, i) => walk(item, `${at}[${i}]`))
      if (!value || typeof value !== 'object') return
      for (const [key, item] of Object.entries(value)) {
        if (key === 'properties' && item && typeof item === 'object') {
          names.push(...Object.keys(item).map((name) => `${at}.properties.${name}`))
        }
        if (key === 'parameters' && Array.isArray(item)) {
          names.push(...item.filter((p) => p.in === 'query').map((p) => `${at}.parameters.${p.name}`))
        }
        walk(item, `${at}.${key}`)
      }
    }
    walk(document, '')
    expect(names.length).toBeGreaterThan(50)
    expect(names.filter((name) => !allowedName(name.split('.').at(-1) as string))).toEqual([])
  })

  it('has every documented JSON success response exercised above', () => {
    const documented = ROUTES.flatMap((route) =>
      Object.entries(route.responses)
        .filter(([status, response]) => Number(status) < 300 && response.schema)
        .map(([status]) => `${route.method} ${route.path} ${status}`),
    ).filter((key) => !key.startsWith('get /openapi.json'))
    expect(documented.filter((key) => !exercised.has(key))).toEqual([])
  })
})
