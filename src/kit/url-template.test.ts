import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { isPatchbayError } from '../errors.js'
import { apiKey, oauth2 } from './auth-schemes.js'
import { defineConnector } from './define-connector.js'
import { connectorFromJson } from './json-connector.js'
import { checkUrlSettings, urlPolicyFromSettings } from './url-policy.js'
import { parseUrlTemplate, renderUrlTemplate } from './url-template.js'
import type { UrlPolicy } from './url-template.js'

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

function expectRefused(run: () => unknown, setting: string, code = 'bad_request') {
  const error = thrown(run)
  expect(isPatchbayError(error, code as never)).toBe(true)
  expect((error as { details: { setting: string } }).details.setting).toBe(setting)
  return error as Error
}

const TOKEN_URL = 'https://{{subdomain}}.service.com/oauth/token'
const render = (template: string, settings: Record<string, unknown>, policy?: UrlPolicy) =>
  renderUrlTemplate(template, [settings, { settings }], policy)

/** Values an end user might send to move `https://{{subdomain}}.service.com` elsewhere. */
const HOST_ATTACKS = [
  'attacker.example:443/x#',
  'attacker.example/',
  'attacker.example?',
  'attacker.example#',
  'a@b',
  'x/../',
  '%2e',
  'a?x=',
  'a#',
  'evil.com\\',
  'ACME',
  'аcme', // Cyrillic а
  'acme。evil', // ideographic full stop, which IDNA maps to "."
  'a\r\nb',
  'a\tb',
  '',
  '-acme',
  'acme-',
  'a'.repeat(64),
  'attacker.example',
  '127.0.0.1:9/',
]

describe('renderUrlTemplate', () => {
  it('fills a host label and keeps the rest of the template', () => {
    expect(render(TOKEN_URL, { subdomain: 'acme-2' })).toBe('https://acme-2.service.com/oauth/token')
  })

  it.each(HOST_ATTACKS)('refuses %j as a subdomain, naming the setting and not the value', (value) => {
    const error = expectRefused(() => render(TOKEN_URL, { subdomain: value }), 'subdomain')
    expect(error.message).toContain('"subdomain"')
    if (value.length > 2) expect(error.message).not.toContain(value)
  })

  it('takes a dotted host name where the schema says format hostname, still under the fixed host', () => {
    const policy = urlPolicyFromSettings(z.object({ region: z.hostname() }))
    expect(render('https://{{region}}.service.com/x', { region: 'eu.west' }, policy)).toBe(
      'https://eu.west.service.com/x',
    )
    expectRefused(() => render('https://{{region}}.service.com', { region: 'eu:1/x' }, policy), 'region')
    expectRefused(() => render('https://{{region}}.service.com', { region: 'eu..x' }, policy), 'region')
  })

  it('takes a dotted host name matching a declared pattern, and nothing else', () => {
    const policy = urlPolicyFromSettings(z.object({ dc: z.string().regex(/^[a-z]+\.(eu|us)$/) }))
    expect(render('https://{{dc}}.api.test', { dc: 'acme.eu' }, policy)).toBe('https://acme.eu.api.test')
    expectRefused(() => render('https://{{dc}}.api.test', { dc: 'acme.example' }, policy), 'dc')
  })

  it('never lets a host made of values become an IP address', () => {
    const policy = urlPolicyFromSettings(z.object({ host: z.hostname() }))
    for (const host of ['2130706433', '0x7f.1', '127.0.0.1']) {
      expectRefused(() => render('https://{{host}}/api', { host }, policy), 'host')
    }
    expect(render('https://{{host}}/api', { host: 'api.acme.test' }, policy)).toBe('https://api.acme.test/api')
  })

  it('percent-encodes path and query values, so they cannot add a path, query or fragment', () => {
    const url = render('https://api.test/tenants/{{tenant}}/x?q={{q}}', {
      tenant: 'a/../b?c#d',
      q: 'x&y=1#z',
    })
    expect(url).toBe('https://api.test/tenants/a%2F..%2Fb%3Fc%23d/x?q=x%26y%3D1%23z')
    expect(new URL(url).pathname).toBe('/tenants/a%2F..%2Fb%3Fc%23d/x')
  })

  it('refuses a path value that is empty, "." or ".." (the parser would climb out of the path)', () => {
    for (const tenant of ['', '.', '..']) {
      expectRefused(() => render('https://api.test/tenants/{{tenant}}/token', { tenant }), 'tenant')
    }
  })

  it('keeps a relative template relative, its values encoded', () => {
    expect(render('/users/{{id}}', { id: '../admin' })).toBe('/users/..%2Fadmin')
  })

  it('reads an "@" after the host as part of the path, not as userinfo', () => {
    expect(render('https://api.test/users/me@x?q={{q}}', { q: 'a b' })).toBe('https://api.test/users/me@x?q=a%20b')
    expect(render('https://{{s}}.api.test/u/@{{id}}', { s: 'acme', id: 'x@y' })).toBe('https://acme.api.test/u/@x%40y')
  })

  it('takes a port number only from a port position', () => {
    expect(render('https://api.test:{{port}}/x', { port: '8443' })).toBe('https://api.test:8443/x')
    expectRefused(() => render('https://api.test:{{port}}/x', { port: '80@evil' }), 'port')
    expectRefused(() => render('https://api.test:{{port}}/x', { port: '70000' }), 'port')
  })

  it('refuses a template that lets a value write the userinfo, as a connector mistake', () => {
    expectRefused(() => render('https://{{user}}@api.test/x', { user: 'u' }), 'user', 'invalid_config')
  })

  it('names the placeholder as written, without the settings. prefix', () => {
    expectRefused(
      () => render('https://{{settings.subdomain}}.service.com', { subdomain: 'evil.com/' }),
      'subdomain',
    )
  })

  describe('a setting declared format uri (a self-hosted instance)', () => {
    const policy = urlPolicyFromSettings(z.object({ instanceUrl: z.url() }))

    it('opens the URL and the rest of the template appends to it', () => {
      expect(render('{{instanceUrl}}/oauth/token', { instanceUrl: 'https://git.acme.test/' }, policy)).toBe(
        'https://git.acme.test/oauth/token',
      )
      expect(render('{{instanceUrl}}/oauth/token', { instanceUrl: 'https://acme.test/gitlab' }, policy)).toBe(
        'https://acme.test/gitlab/oauth/token',
      )
    })

    it.each([
      'http://git.acme.test',
      'http://127.0.0.1:8080',
      'https://user:pw@git.acme.test',
      'https://git.acme.test#x',
      'https://git.acme.test/?a=1',
      'https://git.acme.test\\@evil.test',
      'https://git.acme\n.test',
      'javascript:alert(1)',
      'ftp://git.acme.test',
      'git.acme.test',
      '',
    ])('refuses %j without allowHttp', (instanceUrl) => {
      expectRefused(() => render('{{instanceUrl}}/oauth/token', { instanceUrl }, policy), 'instanceUrl')
    })

    it('takes http on loopback only with allowHttp loopback, and anywhere with any', () => {
      const loopback = urlPolicyFromSettings(z.object({ instanceUrl: z.url() }), 'loopback')
      expect(render('{{instanceUrl}}/t', { instanceUrl: 'http://127.0.0.1:8080' }, loopback)).toBe(
        'http://127.0.0.1:8080/t',
      )
      expect(render('{{instanceUrl}}/t', { instanceUrl: 'http://localhost:1' }, loopback)).toBe(
        'http://localhost:1/t',
      )
      expectRefused(() => render('{{instanceUrl}}/t', { instanceUrl: 'http://git.acme.test' }, loopback), 'instanceUrl')
      expectRefused(() => render('{{instanceUrl}}/t', { instanceUrl: 'http://127.0.0.1.evil.test' }, loopback), 'instanceUrl')
      const any = urlPolicyFromSettings(z.object({ instanceUrl: z.url() }), 'any')
      expect(render('{{instanceUrl}}/t', { instanceUrl: 'http://git.acme.test' }, any)).toBe('http://git.acme.test/t')
    })

    it('is a connector mistake to open a URL with a setting not declared format uri', () => {
      expectRefused(() => render('{{host}}/oauth/token', { host: 'https://a.test' }), 'host', 'invalid_config')
    })
  })
})

describe('parseUrlTemplate', () => {
  it('tells host, port, userinfo, path, query and fragment positions apart', () => {
    const parts = parseUrlTemplate('https://{{u}}@{{a}}.x.test:{{p}}/v/{{b}}?q={{c}}#{{d}}').parts
    const positions = parts.flatMap((part) => ('name' in part ? [[part.name, part.position]] : []))
    expect(positions).toEqual([
      ['u', 'userinfo'],
      ['a', 'host'],
      ['p', 'port'],
      ['b', 'path'],
      ['c', 'query'],
      ['d', 'fragment'],
    ])
  })
})

describe('checkUrlSettings', () => {
  const tenantConnector = defineConnector({
    id: 'tenant',
    name: 'Tenant',
    settings: z.object({ subdomain: z.string() }),
    baseUrl: 'https://{{subdomain}}.service.com/api',
    auth: oauth2({
      authorizationUrl: 'https://login.service.com/authorize',
      tokenUrl: TOKEN_URL,
    }),
  })

  it('refuses a setting that would move any URL of the connector, the token URL included', () => {
    expectRefused(() => checkUrlSettings(tenantConnector, { subdomain: 'attacker.example:443/x#' }), 'subdomain')
    expect(() => checkUrlSettings(tenantConnector, { subdomain: 'acme' })).not.toThrow()
  })

  it('checks request specs and JSON connectors too, and skips variables that are not settings', () => {
    const json = connectorFromJson({
      id: 'json-tenant',
      name: 'JSON tenant',
      settings: { type: 'object', properties: { instanceUrl: { type: 'string', format: 'uri' } } },
      auth: {
        type: 'api_key',
        fields: { apiKey: { label: 'Key' } },
        validate: { url: '{{instanceUrl}}/api/keys/{{apiKey}}' },
      },
    })
    expect(() => checkUrlSettings(json, { instanceUrl: 'https://a.test' })).not.toThrow()
    expectRefused(() => checkUrlSettings(json, { instanceUrl: 'https://u@a.test' }), 'instanceUrl')
    expectRefused(() => checkUrlSettings(json, { instanceUrl: 'http://127.0.0.1:1' }), 'instanceUrl')
    const loopback = connectorFromJson({
      id: 'json-loopback',
      name: 'JSON loopback',
      allowHttp: 'loopback',
      settings: { type: 'object', properties: { instanceUrl: { type: 'string', format: 'uri' } } },
      auth: { type: 'api_key', validate: '{{instanceUrl}}/me' },
    })
    expect(() => checkUrlSettings(loopback, { instanceUrl: 'http://127.0.0.1:1' })).not.toThrow()
  })

  it('refuses an allowHttp value other than loopback or any', () => {
    expect(() =>
      defineConnector({
        id: 'x',
        name: 'X',
        settings: z.object({}),
        allowHttp: 'always' as never,
        auth: apiKey({ header: 'X-Key' }),
      }),
    ).toThrow(TypeError)
  })
})
