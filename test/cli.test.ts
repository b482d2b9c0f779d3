import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectorFromJson } from '../src/kit/index.js'
import { createPatchbay } from '../src/runtime/index.js'
import { startSandbox } from '../src/sandbox/index.js'
import type { Sandbox } from '../src/sandbox/index.js'
import { openSqliteStore, parseKeyRing } from '../src/store/index.js'
import { answerConsent } from './helpers/connect-page.js'
import { createWorkspace, spawnUntil } from './helpers/cli.js'
import type { CliResult, CliWorkspace } from './helpers/cli.js'

const ERROR_KEYS = ['app_error_code', 'code', 'message', 'raised_by', 'raised_in', 'status_code']

/** An API-key connector with no code: validate and profile give it the default capabilities. */
function keyedConnector(url: string) {
  return {
    id: 'keyed',
    name: 'Keyed',
    baseUrl: url,
    settings: { type: 'object', properties: {} },
    auth: {
      type: 'api_key',
      header: 'X-API-Key',
      validate: '/apikey/me',
      profile: { request: '/apikey/me', accountName: 'name' },
    },
  }
}

/** A connector whose settings require a string, to see settings checked before any call. */
function regionalConnector(url: string) {
  return {
    id: 'regional',
    name: 'Regional',
    baseUrl: url,
    settings: {
      type: 'object',
      properties: { region: { type: 'string', description: 'Data centre' } },
      required: ['region'],
    },
    auth: { type: 'api_key', header: 'X-API-Key', validate: '/apikey/me' },
  }
}

function expectSuccess(result: CliResult) {
  expect(result.code, result.stdout + result.stderr).toBe(0)
  expect(result.json.error).toBeNull()
  return result.json
}

function expectError(result: CliResult, exitCode: 1 | 2, code: string) {
  expect(result.code, result.stdout + result.stderr).toBe(exitCode)
  expect(result.json.response).toBeNull()
  expect(result.json.error.code).toBe(code)
  return result.json.error
}

function problemsOf(result: CliResult): string[] {
  return result.json.error.details?.problems ?? []
}

async function sandboxAccessToken(sandbox: Sandbox): Promise<string> {
  const { clientId, clientSecret } = sandbox.defaultClient
  const response = await fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'profile' }),
  })
  if (!response.ok) throw new Error(`token: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { access_token: string }).access_token
}

describe('patchbay CLI (the built binary)', () => {
  let sandbox: Sandbox
  let ws: CliWorkspace
  let connectionId: string
  const others: CliWorkspace[] = []

  beforeAll(async () => {
    sandbox = await startSandbox()
    ws = createWorkspace({ PATCHBAY_SANDBOX_URL: sandbox.url })
    ws.writeConnector('keyed.json', keyedConnector(sandbox.url))
    ws.writeConnector('regional.json', regionalConnector(sandbox.url))
    ws.writeConnector('README.txt', 'not a connector: only *.json files are loaded')

    // A connection made through the library, in the database the CLI opens, sealed with its key.
    const patchbay = await createPatchbay({
      store: openSqliteStore({ path: ws.dbPath, keyRing: parseKeyRing(ws.encryptionKey) }),
      connectors: [connectorFromJson(keyedConnector(sandbox.url))],
    })
    try {
      await patchbay.integrations.put({ id: 'keyed', connectorId: 'keyed' })
      const connection = await patchbay.connections.create({
        integration: 'keyed',
        auth: { apiKey: sandbox.apiKey },
      })
      connectionId = connection.id
    } finally {
      await patchbay.close()
    }
  })

  afterAll(async () => {
    await sandbox?.close()
    ws?.remove()
    for (const other of others) other.remove()
  })

  describe('info', () => {
    it('lists every connector with its capabilities and settings and auth as JSON Schema', async () => {
      const [all, one, missing] = await Promise.all([
        ws.run(['info']),
        ws.run(['info', 'sandbox']),
        ws.run(['info', 'nope']),
      ])

      const { response } = expectSuccess(all)
      const byId = Object.fromEntries(response.connectors.map((c: any) => [c.id, c]))
      // The workspace's connectors beside the built-in sandbox, message connectors and the catalogue's providers.
      expect(Object.keys(byId)).toEqual(
        expect.arrayContaining(['keyed', 'regional', 'sandbox', 'github', 'smtp', 'aliyun-dm', 'twilio-sms', 'vonage-sms']),
      )
      expect(byId.sandbox.auth).toMatchObject({ type: 'oauth2', pkce: true, scopes: ['profile'] })
      expect(byId.sandbox.auth.fields).toMatchObject({
        type: 'object',
        properties: { access_token: { type: 'string', writeOnly: true } },
        required: ['access_token'],
      })
      expect(byId.sandbox.capabilities.get_user_info.response).toMatchObject({
        type: 'object',
        properties: { login: { type: 'string' } },
      })
      expect(byId.sandbox.base_url).toBe(sandbox.url)
      // The JSON connector file, with the capabilities its validate and profile imply.
      expect(Object.keys(byId.keyed.capabilities).sort()).toEqual([
        'get_user_info',
        'validate_credentials',
      ])
      expect(byId.keyed.auth).toMatchObject({
        type: 'api_key',
        fields: { properties: { api_key: { type: 'string', format: 'password' } } },
      })
      expect(byId.regional.settings).toMatchObject({
        type: 'object',
        properties: { region: { type: 'string' } },
        required: ['region'],
      })

      expect(expectSuccess(one)).toEqual({ response: byId.sandbox, page: null, error: null })

      const error = expectError(missing, 2, 'not_found')
      expect(error.message).toContain('nope')
    })

    it('skips a broken connector file, naming the file and the wrong field, and loads the others', async () => {
      const broken = createWorkspace({ PATCHBAY_SANDBOX_URL: sandbox.url })
      const garbled = createWorkspace({ PATCHBAY_SANDBOX_URL: sandbox.url })
      others.push(broken, garbled)
      broken.writeConnector('keyed.json', keyedConnector(sandbox.url))
      broken.writeConnector('broken.json', {
        ...keyedConnector(sandbox.url),
        id: 'broken',
        auth: { type: 'api_key', queryParam: 42 },
      })
      garbled.writeConnector('garbled.json', '{"id": "garbled", ')

      const [listed, integrations, called] = await Promise.all([
        broken.run(['info']),
        broken.run(['integrations', 'list']),
        broken.run(['call', 'keyed', 'validate_credentials', '--json', JSON.stringify({ auth: { apiKey: sandbox.apiKey }, request: {} })]),
      ])
      const ids = (expectSuccess(listed).response.connectors as { id: string }[]).map((c) => c.id)
      expect(ids).toContain('keyed')
      expect(ids).not.toContain('broken')
      expectSuccess(integrations)
      expect(expectSuccess(called).response).toMatchObject({ valid: true })
      for (const result of [listed, integrations, called]) {
        expect(result.stderr).toMatch(/connector skipped: \S*broken\.json: .*auth\.queryParam/)
      }
      const missing = await broken.run(['call', 'broken', 'validate_credentials', '--json', '{"request": {}}'])
      expectError(missing, 2, 'not_found')

      const garbledInfo = await garbled.run(['info'])
      expectSuccess(garbledInfo)
      expect(garbledInfo.stderr).toMatch(/connector skipped: \S*garbled\.json: not valid JSON/)
    })
  })

  describe('call', () => {
    it('calls a JSON API-key connector with inline auth and prints the success envelope', async () => {
      const input = (capability: string) =>
        ws.run([
          'call',
          'keyed',
          capability,
          '--json',
          JSON.stringify({ auth: { apiKey: sandbox.apiKey }, request: {} }),
        ])
      const [validated, profile] = await Promise.all([
        input('validate_credentials'),
        input('get_user_info'),
      ])
      expect(expectSuccess(validated)).toEqual({
        response: { valid: true, unique_tenant_id: 'API key user' },
        page: null,
        error: null,
      })
      expect(expectSuccess(profile)).toEqual({
        response: {
          account_name: 'API key user',
          email: null,
          profile: { id: 'k_1', name: 'API key user' },
        },
        page: null,
        error: null,
      })
    })

    it('exits 1 on a rejected key with the error envelope, never echoing the key', async () => {
      const wrongKey = `sk_wrong_${randomBytes(12).toString('hex')}`
      const input = JSON.stringify({ auth: { apiKey: wrongKey }, request: {} })
      const results = await Promise.all([
        ws.run(['call', 'keyed', 'validate_credentials', '--json', input]),
        ws.run(['call', 'keyed', 'get_user_info', '--json', '-'], { input }),
      ])
      for (const result of results) {
        expect(result.code, result.stdout).toBe(1)
        expect(Object.keys(result.json).sort()).toEqual(['error', 'response'])
        expect(result.json.response).toBeNull()
        const keys = Object.keys(result.json.error).filter((key) => key !== 'details')
        expect(keys.sort()).toEqual(ERROR_KEYS)
        expect(result.json.error.code).toBe('unauthorized')
        expect(result.json.error.status_code).toBe(401)
        expect(result.json.error.raised_in).toContain('keyed:')
        expect(result.stdout + result.stderr).not.toContain(wrongKey)
      }
    })

    it('calls the sandbox connector with an access token obtained from the sandbox', async () => {
      const token = await sandboxAccessToken(sandbox)
      const result = await ws.run([
        'call',
        'sandbox',
        'get_user_info',
        '--json',
        JSON.stringify({ auth: { access_token: token }, request: {} }),
      ])
      expect(expectSuccess(result)).toEqual({
        response: {
          id: expect.any(String),
          login: 'sandbox-user',
          email: expect.any(String),
          name: expect.any(String),
        },
        page: null,
        error: null,
      })
      expect(result.stdout + result.stderr).not.toContain(token)
    })

    it('reads the input from stdin with --json - and from a file with --json @file', async () => {
      const input = JSON.stringify({ auth: { apiKey: sandbox.apiKey }, request: {} })
      const file = join(ws.dir, 'input.json')
      writeFileSync(file, input)
      const [fromStdin, fromFile, relativeFile, missingFile] = await Promise.all([
        ws.run(['call', 'keyed', 'get_user_info', '--json', '-'], { input }),
        ws.run(['call', 'keyed', 'get_user_info', '--json', `@${file}`]),
        ws.run(['call', 'keyed', 'get_user_info', '--json', '@input.json']),
        ws.run(['call', 'keyed', 'get_user_info', '--json', '@nowhere.json']),
      ])
      for (const result of [fromStdin, fromFile, relativeFile]) {
        expect(expectSuccess(result).response.account_name).toBe('API key user')
      }
      expectError(missingFile, 2, 'bad_request')
      expect(problemsOf(missingFile)).toEqual(['--json: file not readable'])
    })

    it('exits 2 with bad_request naming the problem for malformed input or usage', async () => {
      const key = { apiKey: sandbox.apiKey }
      const cases: Array<{ args: string[]; input?: string; mentions: string }> = [
        { args: ['call', 'keyed', 'get_user_info', '--json', '{"request":'], mentions: '--json' },
        {
          args: ['call', 'keyed', 'get_user_info', '--json', '-'],
          input: '{"request": nope}',
          mentions: '--json',
        },
        { args: ['call', 'keyed', 'get_user_info'], mentions: '--json' },
        {
          args: ['call', 'keyed', 'get_user_info', '--json', '{"request": {}, "auth": 5}'],
          mentions: 'auth',
        },
        { args: ['call', 'keyed', 'get_user_info', '--json', '{"auth": {}}'], mentions: 'request' },
        {
          args: [
            'call',
            'keyed',
            'get_user_info',
            '--json',
            JSON.stringify({ request: {}, auth: key, extra: 1 }),
          ],
          mentions: 'extra',
        },
        {
          args: [
            'call',
            'regional',
            'validate_credentials',
            '--json',
            JSON.stringify({ request: {}, auth: key, settings: { region: 5 } }),
          ],
          mentions: 'settings.region',
        },
        {
          args: [
            'call',
            'regional',
            'validate_credentials',
            '--json',
            JSON.stringify({ request: {}, auth: key }),
          ],
          mentions: 'settings.region',
        },
        {
          args: [
            'call',
            'keyed',
            'get_user_info',
            '--json',
            JSON.stringify({ request: 5, auth: key }),
          ],
          mentions: 'request',
        },
        {
          args: [
            'call',
            'keyed',
            'get_user_info',
            '--json',
            JSON.stringify({ request: {}, auth: key, page: { size: -1 } }),
          ],
          mentions: 'page.size',
        },
        {
          args: ['call', 'keyed', 'get_user_info', '--json', '{"request": {}}'],
          mentions: 'auth.api_key',
        },
        {
          args: ['call', 'sandbox', 'get_user_info', '--json', '{"request": {}}'],
          mentions: 'auth.access_token',
        },
        { args: ['frobnicate'], mentions: 'frobnicate' },
        { args: ['call', 'keyed'], mentions: 'capability' },
        { args: ['connections', 'show'], mentions: 'id' },
      ]
      const results = await Promise.all(
        cases.map((c) => ws.run(c.args, c.input === undefined ? {} : { input: c.input })),
      )
      results.forEach((result, index) => {
        const { mentions, args } = cases[index]!
        expect(result.code, `${args.join(' ')}: ${result.stdout}`).toBe(2)
        expect(result.json.error.code, args.join(' ')).toBe('bad_request')
        expect(problemsOf(result).join('\n'), args.join(' ')).toContain(mentions)
        expect(result.stdout).not.toContain(sandbox.apiKey)
      })
      // A schema violation names the field by its path.
      expect(problemsOf(results[6]!)).toEqual([expect.stringMatching(/^settings\.region: /)])
      expect(problemsOf(results[9]!)).toEqual([expect.stringMatching(/^page\.size: /)])
    })

    it('exits 2 for an unknown connector or capability', async () => {
      const [connector, capability] = await Promise.all([
        ws.run(['call', 'nope', 'get_user_info', '--json', '{"request": {}}']),
        ws.run(['call', 'keyed', 'send_message', '--json', '{"request": {}}']),
      ])
      expectError(connector, 2, 'not_found')
      expectError(capability, 2, 'not_implemented')
    })
  })

  describe('integrations', () => {
    it('sets an integration with the secret from stdin and never prints the secret', async () => {
      const secret = `cs_${randomBytes(16).toString('hex')}`
      const set = await ws.run(
        [
          'integrations',
          'set',
          'sandbox-dev',
          '--connector',
          'sandbox',
          '--client-id',
          'x',
          '--client-secret-stdin',
          '--scopes',
          'profile, items:read',
        ],
        { input: `${secret}\n` },
      )
      expect(expectSuccess(set).response).toMatchObject({
        id: 'sandbox-dev',
        connector: 'sandbox',
        client_id: 'x',
        has_client_secret: true,
        scopes: ['profile', 'items:read'],
      })

      const [list, unknown, badRedirect] = await Promise.all([
        ws.run(['integrations', 'list']),
        ws.run(['integrations', 'set', 'ghost', '--connector', 'ghost', '--client-id', 'x']),
        ws.run([
          'integrations',
          'set',
          'sandbox-dev',
          '--connector',
          'sandbox',
          '--redirect-uri',
          'not a url',
        ]),
      ])
      const listed = expectSuccess(list).response
      expect(listed).toContainEqual(
        expect.objectContaining({
          id: 'sandbox-dev',
          connector: 'sandbox',
          has_client_secret: true,
        }),
      )
      expect(listed.find((i: any) => i.id === 'sandbox-dev')).not.toHaveProperty('client_secret')
      expectError(unknown, 2, 'not_found')
      expect(unknown.json.error.message).toContain('ghost')
      expectError(badRedirect, 2, 'bad_request')
      for (const result of [set, list, unknown, badRedirect]) {
        expect(result.stdout + result.stderr).not.toContain(secret)
      }
      // Sealed at rest too.
      for (const file of [ws.dbPath, `${ws.dbPath}-wal`]) {
        if (existsSync(file)) expect(readFileSync(file).includes(secret)).toBe(false)
      }

      const deleted = await ws.run(['integrations', 'delete', 'sandbox-dev'])
      expect(expectSuccess(deleted).response).toEqual({ deleted: 'sandbox-dev' })
      const [again, after] = await Promise.all([
        ws.run(['integrations', 'delete', 'sandbox-dev']),
        ws.run(['integrations', 'list']),
      ])
      expectError(again, 2, 'not_found')
      expect(expectSuccess(after).response.map((i: any) => i.id)).not.toContain('sandbox-dev')
    })
  })

  describe('connections', () => {
    it('lists, shows and uses a stored connection without printing its credentials, then deletes it', async () => {
      const [list, filtered, show, call, wrongConnector] = await Promise.all([
        ws.run(['connections', 'list']),
        ws.run(['connections', 'list', '--integration', 'nobody']),
        ws.run(['connections', 'show', connectionId]),
        ws.run([
          'call',
          'keyed',
          'get_user_info',
          '--connection',
          connectionId,
          '--json',
          '{"request": {}}',
        ]),
        ws.run([
          'call',
          'sandbox',
          'get_user_info',
          '--connection',
          connectionId,
          '--json',
          '{"request": {}}',
        ]),
      ])
      expect(expectSuccess(list).response).toEqual([
        expect.objectContaining({
          id: connectionId,
          integration: 'keyed',
          account_name: 'API key user',
          status: 'active',
        }),
      ])
      expect(expectSuccess(filtered).response).toEqual([])
      const shown = expectSuccess(show).response
      expect(shown).toMatchObject({ id: connectionId, integration: 'keyed', status: 'active' })
      expect(shown).not.toHaveProperty('credentials')
      for (const result of [list, show])
        expect(result.stdout + result.stderr).not.toContain(sandbox.apiKey)

      expect(expectSuccess(call).response).toMatchObject({
        account_name: 'API key user',
        profile: { id: 'k_1' },
      })
      expect(call.stdout).not.toContain(sandbox.apiKey)
      expectError(wrongConnector, 2, 'bad_request')

      const deleted = await ws.run(['connections', 'delete', connectionId])
      expect(expectSuccess(deleted).response).toEqual({ id: connectionId, deleted: true })
      const [showAfter, deleteAgain, callAfter] = await Promise.all([
        ws.run(['connections', 'show', connectionId]),
        ws.run(['connections', 'delete', connectionId]),
        ws.run([
          'call',
          'keyed',
          'get_user_info',
          '--connection',
          connectionId,
          '--json',
          '{"request": {}}',
        ]),
      ])
      expectError(showAfter, 2, 'not_found')
      expectError(deleteAgain, 2, 'not_found')
      expectError(callAfter, 2, 'not_found')
    })
  })

  describe('start', () => {
    let server: ReturnType<typeof spawnUntil> | undefined
    afterAll(async () => {
      if (server && server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL')
        await server.exited
      }
    })

    it('refuses to start with a brand colour that is not a colour, naming the variable', async () => {
      const own = createWorkspace({ PATCHBAY_SANDBOX: 'off', PATCHBAY_BRAND_ACCENT: 'red; } * { display: none' })
      others.push(own)
      const result = await own.run(['start', '--port', '0'])
      expect(result.code).toBe(2)
      expect(result.stderr).toBe(
        'patchbay start: PATCHBAY_BRAND_ACCENT must be a hex colour such as #1d4ed8\n',
      )
    })

    it('serves the API, the dashboard link and a reloadable sandbox Connect page link, and stops on SIGTERM', async () => {
      const own = createWorkspace({ PATCHBAY_SANDBOX_PORT: '0' })
      others.push(own)
      server = spawnUntil(['start', '--port', '0'], {
        cwd: own.dir,
        env: own.env,
        marker: 'Connect a sandbox account',
      })
      const output = await server.ready
      const url = /Patchbay listening on (\S+)/.exec(output)?.[1] as string
      const sandboxUrl = /Sandbox provider: (\S+)/.exec(output)?.[1] as string
      const sandboxKey = /Sandbox API key[^:]*: (\S+)/.exec(output)?.[1] as string
      const connectUrl = /Connect a sandbox account[^:]*: (\S+)/.exec(output)?.[1] as string
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(url).not.toMatch(/:0$/)
      expect(output).toContain(`Dashboard: ${url}/\n`)
      const link = new URL(connectUrl)
      expect(`${link.origin}${link.pathname}`).toBe(`${url}/connect`)

      const health = await fetch(`${url}/health`)
      expect(health.status).toBe(200)
      expect(await health.json()).toMatchObject({ status: 'ok', store: 'ok', scheduler: { running: true } })

      // A preview or a reload does not spend the link (issue 13): it lists both sandbox forms.
      for (let view = 0; view < 2; view++) {
        const page = await fetch(connectUrl)
        expect(page.status).toBe(200)
        const html = await page.text()
        expect(html).toContain('Sandbox (API key)')
      }
      // The printed key is the one the sandbox's API-key endpoint accepts.
      const me = await fetch(`${sandboxUrl}/apikey/me`, { headers: { 'x-api-key': sandboxKey } })
      expect(me.status).toBe(200)

      const token = link.searchParams.get('session') as string
      const started = await fetch(`${url}/connect/api/oauth/start`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ integration: 'sandbox' }),
      })
      expect(started.status).toBe(200)
      const authorizeUrl = new URL(((await started.json()) as { url: string }).url)
      expect(authorizeUrl.origin).toBe(sandboxUrl)
      expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${url}/auth/sandbox/callback`)
      const cookie = started.headers
        .getSetCookie()
        .map((line) => line.split(';')[0])
        .join('; ')
      const landing = await fetch(await answerConsent(authorizeUrl.href), { redirect: 'manual', headers: { cookie } })
      expect(landing.status).toBe(200)
      expect(await landing.text()).toMatch(/conn_/)
      // Spent by the account it connected.
      expect((await fetch(connectUrl)).status).toBe(401)

      server.child.kill('SIGTERM')
      expect(await server.exited).toBe(0)
      expect(server.output()).toContain('Shutting down')
    })
  })
})
