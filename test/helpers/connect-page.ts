import { z } from 'zod'
import { apiKey, defineConnector } from '../../src/kit/index.js'
import type { Sandbox } from '../../src/sandbox/index.js'
import type { Harness } from './harness.js'

// A small square logo as a data URL, so the page shows a real image without any network.
const LOGO = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40">' +
    '<rect width="40" height="40" rx="8" fill="#0f766e"/>' +
    '<path d="M11 29 20 10l9 19h-4l-5-11-5 11z" fill="#fff"/></svg>',
)}`

/**
 * An API-key connector on the sandbox: the key goes in `X-API-Key`, `/apikey/me` validates it
 * and names the account. Its settings exercise a select, a textarea and tooltips.
 */
export function acmeKeysConnector(sandbox: Sandbox) {
  return defineConnector({
    id: 'acme-keys',
    name: 'Acme Keys',
    description: 'Tickets and contacts from your Acme account.',
    logoUrl: LOGO,
    categories: ['support'],
    baseUrl: sandbox.url,
    settings: z.object({
      region: z.enum(['eu', 'us']).describe('The data centre your Acme account lives in'),
      notes: z.string().optional().meta({ title: 'Notes', 'x-multiline': true }),
    }),
    auth: apiKey({
      header: 'X-API-Key',
      fields: {
        apiKey: { type: 'password', label: 'API key', tooltip: 'Acme shows it under Settings → API keys' },
      },
      validate: '/apikey/me',
      profile: { request: '/apikey/me', accountName: 'name' },
    }),
    capabilities: {},
  })
}

/** Installs the `acme` integration of {@link acmeKeysConnector}; fails loudly. */
export async function installAcme(h: Harness): Promise<void> {
  const answer = await h.api('PUT', '/integrations/acme', { connector: 'acme-keys' })
  if (answer.status !== 200) throw new Error(`PUT /integrations/acme: ${JSON.stringify(answer.body)}`)
}

/** Creates a connect session through the API; returns its token and URL. */
export async function connectSession(h: Harness, body: Record<string, unknown>) {
  const answer = await h.api('POST', '/connect/sessions', body)
  if (answer.status !== 201) throw new Error(`connect session: ${JSON.stringify(answer.body)}`)
  // A session token is a bearer secret: the harness checks no log line holds it.
  h.secrets.push(answer.body.token)
  return answer.body as { token: string; url: string; expires_at: number }
}

/** Calls a Connect page endpoint with a session as the Bearer token. */
export async function pageApi(h: Harness, path: string, token: string, body: unknown) {
  const response = await fetch(`${h.server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as any, headers: response.headers }
}

/**
 * Plays the user at the sandbox's consent page for a provider authorization URL and returns
 * the callback URL the sandbox sends the browser back to.
 */
export async function answerConsent(authorizeUrl: string, decision: 'approve' | 'deny' = 'approve') {
  const page = await fetch(authorizeUrl, { redirect: 'manual' })
  const html = await page.text()
  const form = new URLSearchParams()
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(match[1] as string, (match[2] as string).replace(/&amp;/g, '&').replace(/&quot;/g, '"'))
  }
  form.set('decision', decision)
  const target = new URL('/oauth/authorize', authorizeUrl)
  const answer = await fetch(target, { method: 'POST', body: form, redirect: 'manual' })
  const location = answer.headers.get('location')
  if (!location) throw new Error(`the sandbox answered ${answer.status} to the consent`)
  return location
}

/** The `postMessage` payload a popup's last page carries (its `data-message`). */
export function popupMessageOf(html: string): Record<string, unknown> {
  const raw = /data-message="([^"]*)"/.exec(html)?.[1]
  if (raw === undefined) throw new Error(`no popup message in: ${html.slice(0, 300)}`)
  const text = raw
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
  return JSON.parse(text)
}

/** The `Cookie` header a browser sends back after a page call set the OAuth flow's cookie. */
export function flowCookieOf(answer: { headers: Headers }): string {
  return answer.headers
    .getSetCookie()
    .map((line) => line.split(';')[0] as string)
    .join('; ')
}
