// `npm run docs:connectors`: writes docs/connectors/<id>.md for every declaration of
// catalogue/providers/ and docs/connectors/README.md, an index by category. The catalogue test
// renders the same pages in memory and fails when the committed ones differ (stale docs).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
export const PROVIDERS_DIR = `${root}catalogue/providers`
export const DOCS_DIR = `${root}docs/connectors`

/** Every declaration of the catalogue, sorted by file name. */
export function readDeclarations(dir = PROVIDERS_DIR) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(`${dir}/${name}`, 'utf8')))
}

const AUTH_STYLES = {
  authorization_code: 'OAuth 2.0, authorization code grant',
  client_credentials: 'OAuth 2.0, client credentials grant',
  refresh_token: 'OAuth 2.0, a long-lived refresh token brought by the user',
}

function authStyle(auth) {
  switch (auth.type) {
    case 'oauth2':
      return AUTH_STYLES[auth.grantType ?? 'authorization_code']
    case 'oauth1':
    case 'oauth':
      return 'OAuth 1.0a'
    case 'api_key':
    case 'apiKey':
      return 'API key'
    default:
      return auth.login ? 'Username and password, traded for a token' : 'HTTP Basic (username and password)'
  }
}

const code = (text) => `\`${String(text).replace(/`/g, "'")}\``
const cell = (text) => String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')

function settingsTable(settings) {
  const properties = Object.entries(settings.properties ?? {})
  if (properties.length === 0) return ['None.']
  const required = new Set(settings.required ?? [])
  const rows = properties.map(([name, schema]) => {
    const rule = [
      schema.format ? `format ${code(schema.format)}` : '',
      schema.pattern ? `pattern ${code(schema.pattern)}` : '',
      schema.enum ? `one of ${schema.enum.map(code).join(', ')}` : '',
      schema.default !== undefined ? `default ${code(JSON.stringify(schema.default))}` : '',
    ]
      .filter(Boolean)
      .join('; ')
    const example = Array.isArray(schema.examples) && schema.examples.length ? code(schema.examples[0]) : ''
    return `| ${code(name)} | ${required.has(name) ? 'yes' : 'no'} | ${cell(schema.description)} | ${cell(rule)} | ${example} |`
  })
  return ['| Setting | Required | Description | Rule | Example |', '| --- | --- | --- | --- | --- |', ...rows]
}

function fieldsTable(fields) {
  const rows = Object.entries(fields ?? {}).map(
    ([name, field]) =>
      `| ${code(name)} | ${cell(field.label ?? name)} | ${field.required === false ? 'no' : 'yes'} | ${cell(field.tooltip)} |`,
  )
  return rows.length ? ['| Field | Label | Required | Where to find it |', '| --- | --- | --- | --- |', ...rows] : []
}

function quirks(auth) {
  const lines = []
  if (auth.authorizationParams) {
    lines.push(`- Extra authorization parameters: ${Object.entries(auth.authorizationParams).map(([k, v]) => code(`${k}=${v}`)).join(', ')}.`)
  }
  if (auth.tokenParams) {
    lines.push(`- Extra token request parameters: ${Object.entries(auth.tokenParams).map(([k, v]) => code(`${k}=${v}`)).join(', ')}.`)
  }
  if (auth.clientAuth) lines.push(`- Client authentication: ${code(auth.clientAuth)}.`)
  if (auth.tokenRequest && auth.tokenRequest !== 'form') lines.push(`- Token request body: ${code(auth.tokenRequest)}.`)
  if (auth.tokenMethod && auth.tokenMethod !== 'POST') lines.push(`- Token request method: ${code(auth.tokenMethod)}.`)
  if (auth.tokenResponse) {
    lines.push(
      `- Token response read from: ${Object.entries(auth.tokenResponse).map(([k, v]) => `${k} ${code(v)}`).join(', ')}.`,
    )
  }
  if (auth.refreshUrl) lines.push(`- Refresh requests go to ${code(auth.refreshUrl)}.`)
  if (auth.revocationUrl) lines.push(`- Tokens are revoked at ${code(auth.revocationUrl)} when a connection is deleted.`)
  if (auth.refreshBeforeExpiry !== undefined) lines.push(`- Refreshed ${code(JSON.stringify(auth.refreshBeforeExpiry))} before expiry.`)
  if (auth.signatureMethod) lines.push(`- Signature method: ${code(auth.signatureMethod)}.`)
  if (auth.login) lines.push(`- Login request: ${code(typeof auth.login.request === 'string' ? auth.login.request : auth.login.request.url)}, token at ${code(auth.login.tokenPath)}.`)
  return lines
}

/** The page of one declaration. */
export function renderConnectorPage(d) {
  const auth = d.auth
  const lines = [
    `# ${d.name}`,
    '',
    `![${d.name} logo](../../catalogue/logos/${d.id}.svg)`,
    '',
    ...(d.description ? [d.description, ''] : []),
    `- Connector id: ${code(d.id)}`,
    `- Categories: ${(d.categories ?? []).join(', ') || 'none'}`,
    `- Auth: ${authStyle(auth)}`,
    ...(d.baseUrl ? [`- API base URL: ${code(d.baseUrl)}`] : []),
    ...(d.docsUrl ? [`- Provider documentation: <${d.docsUrl}>`] : []),
    `- Declaration: [catalogue/providers/${d.id}.json](../../catalogue/providers/${d.id}.json)`,
    '',
    '## Settings',
    '',
    ...settingsTable(d.settings),
    '',
    '## Authentication',
    '',
  ]
  if (auth.type === 'oauth2') {
    if (auth.authorizationUrl) lines.push(`- Authorization URL: ${code(auth.authorizationUrl)}`)
    if (auth.tokenUrl) lines.push(`- Token URL: ${code(auth.tokenUrl)}`)
    if (auth.oidc) lines.push(`- OpenID Connect issuer: ${code(auth.oidc.issuer)}`)
    lines.push(`- Default scopes: ${auth.scopes?.length ? auth.scopes.map(code).join(', ') : 'none'}`)
    if (auth.availableScopes?.length) lines.push(`- Documented scopes: ${auth.availableScopes.map(code).join(', ')}`)
    lines.push(`- Scope delimiter: ${code(JSON.stringify(auth.scopeDelimiter ?? ' '))}`)
    lines.push(`- PKCE: ${auth.pkce ? 'yes (S256)' : 'no'}`)
  } else if (auth.type === 'oauth1' || auth.type === 'oauth') {
    lines.push(`- Request token URL: ${code(auth.requestTokenUrl)}`)
    lines.push(`- Authorization URL: ${code(auth.authorizationUrl)}`)
    lines.push(`- Access token URL: ${code(auth.accessTokenUrl)}`)
  } else {
    if (auth.header) lines.push(`- Sent in header ${code(auth.header)}`)
    if (auth.queryParam) lines.push(`- Sent as query parameter ${code(auth.queryParam)}`)
    for (const [name, value] of Object.entries(auth.headers ?? {})) lines.push(`- Header ${code(`${name}: ${value}`)}`)
    for (const [name, value] of Object.entries(auth.query ?? {})) lines.push(`- Query ${code(`${name}=${value}`)}`)
    const fields = fieldsTable(auth.fields)
    if (fields.length) lines.push('', ...fields)
  }
  const redirect = auth.type === 'oauth1' || auth.type === 'oauth' || (auth.type === 'oauth2' && (auth.grantType ?? 'authorization_code') === 'authorization_code')
  if (redirect) {
    lines.push(
      '',
      '### Redirect URI to register',
      '',
      `Register ${code('{PATCHBAY_PUBLIC_URL}/auth/{integration}/callback')} with ${d.name}, where ${code('{integration}')} is the id of the Patchbay integration (e.g. ${code(`https://patchbay.example.com/auth/${d.id}/callback`)}), or the integration's own ${code('redirect_uri')}.`,
    )
  }
  const quirkLines = quirks(auth)
  if (quirkLines.length) lines.push('', '### Quirks', '', ...quirkLines)
  const profile = auth.profile
  if (profile || auth.validate) {
    lines.push('', '## Account', '')
    if (auth.validate) lines.push(`- Credentials checked with ${code(typeof auth.validate === 'string' ? auth.validate : auth.validate.url)}`)
    if (profile?.request) lines.push(`- Profile read from ${code(typeof profile.request === 'string' ? profile.request : profile.request.url)}`)
    if (auth.oidc && !profile?.request) lines.push('- Profile read from the ID token')
    if (profile?.accountName) lines.push(`- Account name: ${code(profile.accountName)}`)
    if (profile?.email) lines.push(`- Email: ${code(profile.email)}`)
    if (profile?.id) {
      const verified =
        profile.emails
          ? 'the primary verified address of the email list'
          : profile.emailVerified === true
            ? 'the provider only returns verified addresses'
            : profile.emailVerified
              ? `only when ${code(profile.emailVerified)} is true`
              : 'never (the provider does not say it is verified)'
      lines.push(`- Sign-in profile: id ${code(profile.id)}${profile.name ? `, name ${code(profile.name)}` : ''}${profile.avatar ? `, avatar ${code(profile.avatar)}` : ''}; email: ${verified}`)
    }
    const bodyErrors = [auth.validate, profile?.request].find((request) => request && typeof request === 'object' && request.errors)?.errors
    if (bodyErrors) lines.push(`- Errors reported in the answer body at ${code(bodyErrors.path)}, even with status 200`)
  }
  lines.push('', '_Generated from the declaration by `npm run docs:connectors`; do not edit._', '')
  return lines.join('\n')
}

/** The index: every provider under each of its categories. */
export function renderIndex(declarations) {
  const byCategory = new Map()
  for (const d of declarations) {
    for (const category of d.categories?.length ? d.categories : ['other']) {
      if (!byCategory.has(category)) byCategory.set(category, [])
      byCategory.get(category).push(d)
    }
  }
  const lines = [
    '# Connector catalogue',
    '',
    `${declarations.length} providers, declared in [catalogue/providers/](../../catalogue/providers/) ` +
      '(conventions in [catalogue/README.md](../../catalogue/README.md)). Each page gives the auth style, scopes, ' +
      'settings, the redirect URI to register and the quirks.',
    '',
  ]
  for (const category of [...byCategory.keys()].sort()) {
    lines.push(`## ${category}`, '')
    for (const d of byCategory.get(category).sort((a, b) => a.id.localeCompare(b.id))) {
      lines.push(`- [${d.name}](${d.id}.md) (${code(d.id)}): ${authStyle(d.auth)}`)
    }
    lines.push('')
  }
  lines.push('_Generated by `npm run docs:connectors`; do not edit._', '')
  return lines.join('\n')
}

/** Every generated file, by name under docs/connectors/. */
export function renderConnectorDocs(declarations) {
  const files = new Map([['README.md', renderIndex(declarations)]])
  for (const d of declarations) files.set(`${d.id}.md`, renderConnectorPage(d))
  return files
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = renderConnectorDocs(readDeclarations())
  mkdirSync(DOCS_DIR, { recursive: true })
  for (const name of readdirSync(DOCS_DIR)) if (name.endsWith('.md') && !files.has(name)) rmSync(`${DOCS_DIR}/${name}`)
  for (const [name, text] of files) writeFileSync(`${DOCS_DIR}/${name}`, text)
  process.stdout.write(`docs: ${files.size - 1} connector pages and the index in docs/connectors/\n`)
}
