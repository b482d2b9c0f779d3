import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CATALOGUE_PATHS,
  compiledCatalogueFiles,
  loadCatalogue,
  readCatalogueFiles,
} from '../src/config/catalogue.js'
import { isPatchbayError } from '../src/errors.js'
import { checkUrlSettings, connectorFromJson, describeConnector } from '../src/kit/index.js'
import type { Connector, JsonObject } from '../src/kit/index.js'
import { compileCatalogue, createPatchbay } from '../src/runtime/index.js'
import type { Patchbay } from '../src/runtime/index.js'
import { createKeyRing, openSqliteStore } from '../src/store/index.js'
// @ts-expect-error: a plain ES module script, shared with `npm run docs:connectors`
import { DOCS_DIR, renderConnectorDocs } from '../scripts/connector-docs.mjs'

/** Issue 10 asks for at least 300 providers. */
const MINIMUM_PROVIDERS = 300

/** catalogue/README.md's category list: a declaration uses these names only. */
const CATEGORIES = [
  'accounting', 'analytics', 'communication', 'crm', 'dev-tools', 'design', 'e-commerce',
  'education', 'hr', 'identity', 'marketing', 'payments', 'productivity', 'project-management',
  'security', 'social', 'storage', 'support', 'video', 'other',
]

const PUBLIC_URL = 'https://patchbay.example.com'
const files = readCatalogueFiles(CATALOGUE_PATHS.providers)
type Declaration = JsonObject & {
  id: string
  settings: { properties?: Record<string, { examples?: unknown[]; format?: string; pattern?: string }>; required?: string[] }
  auth: JsonObject & { type: string }
}
const declarations = files.map((file) => ({ file: file.name, json: file.json as Declaration }))

/** Each declared setting's first example: what a user of the provider would type. */
function sampleSettings(declaration: Declaration): JsonObject {
  const settings: JsonObject = {}
  for (const [name, schema] of Object.entries(declaration.settings.properties ?? {})) {
    if (Array.isArray(schema.examples) && schema.examples.length > 0) settings[name] = schema.examples[0] as string
  }
  return settings
}

/** Every URL template of a declaration: base URL, auth endpoints, validate and profile requests. */
function urlTemplates(value: unknown, key = '', into: string[] = []): string[] {
  if (typeof value === 'string') {
    if (/^(baseUrl|.*Url|validate|request|url)$/.test(key)) into.push(value)
  } else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [name, item] of Object.entries(value)) {
      if (name !== 'settings' && name !== 'docsUrl' && name !== 'oidc') urlTemplates(item, name, into)
    }
  }
  return into
}

/** The settings a template puts in the host of an absolute URL. */
function hostSettings(template: string): string[] {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(template)?.[1] ?? ''
  return [...authority.matchAll(/\{\{\s*(?:settings\.)?([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1] as string)
}

function refusal(run: () => unknown): string | undefined {
  try {
    run()
    return undefined
  } catch (error) {
    return isPatchbayError(error) ? error.code : String(error)
  }
}

let dir: string
let patchbay: Patchbay

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-catalogue-'))
  const keyRing = createKeyRing([{ id: 'k1', key: randomBytes(32) }])
  const store = openSqliteStore({ path: join(dir, 'patchbay.db'), keyRing })
  patchbay = await createPatchbay({ store, catalogue: loadCatalogue(), publicUrl: PUBLIC_URL })
})

afterAll(async () => {
  await patchbay?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the catalogue as a whole', () => {
  it(`declares at least ${MINIMUM_PROVIDERS} providers`, () => {
    expect(declarations.length).toBeGreaterThanOrEqual(MINIMUM_PROVIDERS)
  })

  it('has no duplicate ids, and each file is named after its id', () => {
    const ids = declarations.map((d) => d.json.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const { file, json } of declarations) expect(file).toBe(`${json.id}.json`)
  })

  it('is compiled into dist/ as it stands (run `npm run build` after editing it)', () => {
    const expected = compiledCatalogueFiles(compileCatalogue(files))
    expect(readFileSync(CATALOGUE_PATHS.compiled, 'utf8') === expected.entries).toBe(true)
    expect(readFileSync(CATALOGUE_PATHS.compiled.replace(/\.json$/, '-info.json'), 'utf8') === expected.info).toBe(true)
  })

  it('describes each provider in `info` before use exactly as after it is parsed', () => {
    const before = patchbay.connectors.describe()
    for (const info of before) {
      expect(describeConnector(patchbay.connectors.get(String(info['id'])))).toEqual(info)
    }
  })

  it('keeps only the connectors a search or a category names', () => {
    const all = patchbay.connectors.describe()
    const support = patchbay.connectors.describe({ category: 'support' })
    expect(support.length).toBeGreaterThan(0)
    expect(support.every((c) => (c['categories'] as string[]).includes('support'))).toBe(true)
    const found = patchbay.connectors.describe({ search: 'GITHUB' }).map((c) => c['id'])
    expect(found).toContain('github')
    expect(found.length).toBeLessThan(all.length)
    expect(patchbay.connectors.describe({ category: 'no-such-category' })).toEqual([])
  })

  it('has current generated pages in docs/connectors/ (run `npm run docs:connectors`)', () => {
    const expected = renderConnectorDocs(declarations.map((d) => d.json)) as Map<string, string>
    const stale: string[] = []
    for (const [name, text] of expected) {
      const path = join(DOCS_DIR as string, name)
      if (!existsSync(path) || readFileSync(path, 'utf8') !== text) stale.push(name)
    }
    expect(stale).toEqual([])
  })
})

describe.each(declarations.map((d) => [d.json.id, d.json] as const))('provider %s', (id, declaration) => {
  const auth = declaration.auth
  let connector: Connector
  beforeAll(() => {
    connector = connectorFromJson(declaration)
  })

  it('is a valid connector declaration with the catalogue conventions', () => {
    expect(connector.id).toBe(id)
    expect(declaration['docsUrl']).toMatch(/^https:\/\//)
    expect(connector.categories.length).toBeGreaterThan(0)
    for (const category of connector.categories) expect(CATEGORIES).toContain(category)
    const required = declaration.settings.required ?? []
    for (const [name, schema] of Object.entries(declaration.settings.properties ?? {})) {
      // Every setting shows its users an example, and the test renders with it.
      if (required.includes(name)) expect(schema.examples, `settings.${name}.examples`).toBeDefined()
    }
    expect(connector.settings.safeParse(sampleSettings(declaration)).success).toBe(true)
  })

  it('sends its credential wherever it declares placement', () => {
    const placed = { ...(auth['headers'] as object | undefined), ...(auth['query'] as object | undefined) }
    if (Object.keys(placed).length === 0) return
    // Declared headers replace the default Authorization header: one must carry a credential.
    const variables = /\{\{\s*(accessToken|apiKey|basicAuth|token|username|password|[A-Za-z]+(Key|Token|Secret))\s*\}\}/
    expect(Object.values(placed).some((value) => variables.test(String(value))), JSON.stringify(placed)).toBe(true)
  })

  it('has a logo that is a plain SVG image', () => {
    const path = join(CATALOGUE_PATHS.logos, `${id}.svg`)
    expect(existsSync(path)).toBe(true)
    const svg = readFileSync(path, 'utf8')
    expect(svg.startsWith('<svg ')).toBe(true)
    expect(svg).not.toMatch(/<script|<foreignObject|\son[a-z]+\s*=|href\s*=|url\(/i)
  })

  it('renders every URL template with example settings', () => {
    const settings = sampleSettings(declaration)
    expect(refusal(() => checkUrlSettings(connector, settings))).toBeUndefined()
    for (const template of urlTemplates(declaration)) {
      if (/^https?:\/\//.test(template)) expect(template.startsWith('https://'), template).toBe(true)
    }
  })

  it('refuses settings that would move a templated host', () => {
    const settings = sampleSettings(declaration)
    const names = new Set(urlTemplates(declaration).flatMap(hostSettings))
    for (const name of names) {
      const rule = declaration.settings.properties?.[name]
      for (const hostile of ['evil.com/', 'evil.com#', 'evil.com:443', 'a@evil.com', '-acme', '']) {
        expect(refusal(() => checkUrlSettings(connector, { ...settings, [name]: hostile })), `${name}=${hostile}`).toBe('bad_request')
      }
      if (rule?.format !== 'hostname' && rule?.pattern === undefined) {
        // A host label: a dot would let the value name another domain.
        expect(refusal(() => checkUrlSettings(connector, { ...settings, [name]: 'a.b' }))).toBe('bad_request')
      }
    }
    for (const [name, rule] of Object.entries(declaration.settings.properties ?? {})) {
      if (rule.format !== 'uri') continue
      for (const hostile of ['javascript:alert(1)', 'http://evil.test', 'https://user:pw@evil.test', 'https://evil.test/?x=1']) {
        expect(refusal(() => checkUrlSettings(connector, { ...settings, [name]: hostile })), `${name}=${hostile}`).toBe('bad_request')
      }
    }
  })

  const codeGrant = auth.type === 'oauth2' && (auth['grantType'] ?? 'authorization_code') === 'authorization_code'
  it.runIf(codeGrant)('builds an authorization URL for a sample client with the documented parameters', async () => {
    expect(auth['authorizationUrl'], 'declared, so no discovery is needed').toBeDefined()
    expect(auth['tokenUrl'], 'declared, so no discovery is needed').toBeDefined()
    await patchbay.integrations.put({
      id, connectorId: id, clientId: 'sample-client-id', clientSecret: 'sample-client-secret',
    })
    const start = await patchbay.beginAuthorization(id, { settings: sampleSettings(declaration) })
    const url = new URL(start.url)
    expect(url.protocol).toBe('https:')
    expect(url.searchParams.get('response_type')).toBe('code')
    expect(url.searchParams.get('client_id')).toBe('sample-client-id')
    expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/auth/${id}/callback`)
    expect(url.searchParams.get('state')).toBe(start.state)
    const scopes = (auth['scopes'] as string[] | undefined) ?? []
    if (scopes.length > 0) {
      expect(url.searchParams.get('scope')).toBe(scopes.join((auth['scopeDelimiter'] as string | undefined) ?? ' '))
    }
    if (connector.auth.type === 'oauth2' && connector.auth.pkce) {
      expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(url.searchParams.get('code_challenge_method')).toBe('S256')
    } else {
      expect(url.searchParams.has('code_challenge')).toBe(false)
    }
    for (const [name, value] of Object.entries((auth['authorizationParams'] as Record<string, string> | undefined) ?? {})) {
      expect(url.searchParams.get(name), name).toBe(value)
    }
  })
})
