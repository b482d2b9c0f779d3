import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSandboxConnector } from '../../src/connectors/index.js'
import type { Connector } from '../../src/kit/index.js'
import { createPatchbay } from '../../src/runtime/index.js'
import type { Patchbay, PatchbayOptions, RuntimeEvent } from '../../src/runtime/index.js'
import type { WebhookDispatcherOptions, WebhookService } from '../../src/runtime/index.js'
import { startSandbox } from '../../src/sandbox/index.js'
import type { Sandbox, SandboxOptions } from '../../src/sandbox/index.js'
import { createLogger, createServerApp, listen } from '../../src/server/index.js'
import type { RunningServer, ServerAppOptions } from '../../src/server/index.js'
import { createKeyRing, openSqliteStore } from '../../src/store/index.js'
import type { KeyRing, Store } from '../../src/store/index.js'
import { leakedSecrets, storedSecrets } from './log-secrets.js'

export interface Harness {
  sandbox: Sandbox
  patchbay: Patchbay
  /** The runtime's store, for tests that look beneath the runtime (shells never do). */
  store: Store
  server: RunningServer
  apiKey: string
  dir: string
  dbPath: string
  /** The key ring sealing the database, for opening it again from a second runtime. */
  keyRing: KeyRing
  events: RuntimeEvent[]
  /** The runtime's outgoing webhooks, sending, when `webhooks` options were given. */
  webhooks: WebhookService | null
  /** Every JSON line the server logged (at debug level); `close()` fails if one holds a secret. */
  logs: string[]
  /** Secrets a test made itself (API keys it created…), checked against the logs too. */
  secrets: string[]
  /** Calls the Patchbay API with the key; JSON in, parsed JSON out. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>
  close(): Promise<void>
}

export interface HarnessOptions {
  sandbox?: SandboxOptions
  connectors?: (sandbox: Sandbox) => Connector[]
  runtime?: Partial<PatchbayOptions>
  server?: Partial<Omit<ServerAppOptions, 'patchbay'>>
  /** Sends outgoing webhooks (the runtime's, which the server uses too) with these options. */
  webhooks?: Omit<WebhookDispatcherOptions, 'store'>
  /** Opens the store (PostgreSQL tests); a SQLite file in the temp dir by default. */
  store?: (keyRing: KeyRing) => Store | Promise<Store>
}

/**
 * A real stack on loopback: the sandbox provider, a runtime over a SQLite file in a temp dir (or
 * the store `options.store` opens), and the HTTP server, with the sandbox integration installed.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-test-'))
  const dbPath = join(dir, 'patchbay.db')
  const sandbox = await startSandbox(options.sandbox ?? {})
  const keyRing = createKeyRing([{ id: 'k1', key: randomBytes(32) }])
  const store = options.store
    ? await options.store(keyRing)
    : openSqliteStore({ path: dbPath, keyRing })
  const events: RuntimeEvent[] = []
  // The public URL is only known once the server listens, so the app is bound after listening.
  let app: { fetch(request: Request): Response | Promise<Response> } | undefined
  const apiKey = `test_${randomBytes(16).toString('hex')}`
  const server = await listen({ fetch: (request) => app!.fetch(request) }, { port: 0, host: '127.0.0.1' })
  const patchbay = await createPatchbay({
    store,
    connectors: [createSandboxConnector({ url: sandbox.url }), ...(options.connectors?.(sandbox) ?? [])],
    publicUrl: server.url,
    onEvent: (event) => events.push(event),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    ...options.runtime,
  })
  const logs: string[] = []
  const destination = { write: (line: string) => void logs.push(line) }
  const logger = createLogger({ level: 'debug', destination })
  const webhooks = options.webhooks ? patchbay.webhooks : null
  webhooks?.start()
  app = createServerApp({
    patchbay,
    apiKeys: [apiKey],
    logger,
    ...options.server,
  })
  const secrets: string[] = []
  const client = sandbox.defaultClient
  await patchbay.integrations.put({
    id: 'sandbox',
    connectorId: 'sandbox',
    clientId: client.clientId,
    clientSecret: client.clientSecret,
  })
  return {
    sandbox,
    patchbay,
    store,
    server,
    apiKey,
    dir,
    dbPath,
    keyRing,
    events,
    webhooks,
    logs,
    secrets,
    async api(method, path, body) {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      })
      const text = await response.text()
      let parsed: unknown = text
      try {
        parsed = text ? JSON.parse(text) : null
      } catch {
        // Not JSON: keep the text (HTML pages).
      }
      return { status: response.status, body: parsed, headers: response.headers }
    },
    async close() {
      await server.close()
      const stored = await storedSecrets(patchbay, store)
      const known = [apiKey, ...secrets, ...sandbox.issuedSecrets(), ...stored]
      await sandbox.close()
      await patchbay.close()
      rmSync(dir, { recursive: true, force: true })
      const leaks = leakedSecrets(logs, known)
      if (leaks.length > 0) throw new Error(`The server logged secrets:\n${leaks.join('\n')}`)
    },
  }
}

/** The `Cookie` header a browser would send back for a response's `Set-Cookie` lines. */
export function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0] as string)
    .join('; ')
}

/**
 * Plays the browser through a connect URL: follows Patchbay's redirect to the sandbox, answers
 * the consent page, and returns the callback URL the sandbox sends the browser to, with the
 * `Cookie` header the browser holds for it (the flow's binding).
 */
export async function consent(startUrl: string, decision: 'approve' | 'deny' = 'approve', headers: HeadersInit = {}) {
  const start = await fetch(startUrl, { redirect: 'manual', headers })
  if (start.status !== 302) throw new Error(`start answered ${start.status}: ${await start.text()}`)
  const cookie = cookiesOf(start)
  const authorize = new URL(start.headers.get('location') as string)
  const page = await fetch(authorize, { redirect: 'manual' })
  let callback: string
  if (page.status === 302) {
    callback = page.headers.get('location') as string
  } else {
    const html = await page.text()
    const form = new URLSearchParams()
    for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      form.set(match[1] as string, decodeHtml(match[2] as string))
    }
    form.set('decision', decision)
    const answer = await fetch(new URL('/oauth/authorize', authorize), {
      method: 'POST',
      body: form,
      redirect: 'manual',
    })
    callback = answer.headers.get('location') as string
  }
  return { authorizeUrl: authorize, callbackUrl: callback, cookie }
}

function decodeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

/** Runs a whole connect flow for an integration and returns the stored connection id. */
export async function connectViaBrowser(h: Harness, integration = 'sandbox', extra: Record<string, unknown> = {}) {
  const session = await h.api('POST', '/connect/sessions', { integration, ...extra })
  if (session.status !== 201) throw new Error(`connect session: ${JSON.stringify(session.body)}`)
  const { callbackUrl, cookie } = await consent(session.body.url)
  const landing = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie } })
  const html = await landing.text()
  const id = /<code>(conn_[^<]+)<\/code>/.exec(html)?.[1]
  if (landing.status !== 200 || !id) throw new Error(`callback answered ${landing.status}: ${html}`)
  return id
}
