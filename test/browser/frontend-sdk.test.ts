import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seriousAxeViolations } from '../helpers/axe.js'
import { acmeKeysConnector, connectSession, installAcme } from '../helpers/connect-page.js'
import { startHarness } from '../helpers/harness.js'
import type { Harness } from '../helpers/harness.js'
import { launchChromium } from '../helpers/chromium.js'

/** The built SDK, as `@patchbay/core/frontend` publishes it: the browser loads it unbundled. */
const FRONTEND = fileURLToPath(new URL('../../dist/frontend/', import.meta.url))
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))

// An application's page: a button that calls the SDK, and where the outcome and events show.
const APP_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>An application</title></head>
<body>
<main>
<button id="connect" type="button">Connect an account</button>
<p>Result: <output id="result"></output></p>
<p>Error: <output id="error"></output></p>
<ol id="events"></ol>
</main>
<script type="module">
import { connect } from '/frontend/index.js'
const params = new URLSearchParams(location.search)
const show = (id, value) => { document.getElementById(id).textContent = JSON.stringify(value) }
document.getElementById('connect').addEventListener('click', () => {
  connect(params.get('token'), {
    baseUrl: params.get('base'),
    mode: params.get('mode') ?? 'popup',
    onEvent: (event) => {
      const item = document.createElement('li')
      item.textContent = event.type
      document.getElementById('events').append(item)
    },
  }).then(
    (result) => show('result', result),
    (error) => show('error', { name: error.name, code: error.code, message: error.message }),
  )
})
</script>
</body>
</html>`

/** Serves the application's page and the built SDK on loopback: another origin than Patchbay's. */
async function startAppServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname
    if (path === '/app.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(APP_PAGE)
      return
    }
    const file = /^\/frontend\/([a-z-]+\.js)$/.exec(path)?.[1]
    if (file && existsSync(`${FRONTEND}${file}`)) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
      res.end(readFileSync(`${FRONTEND}${file}`))
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

describe('@patchbay/core/frontend in headless Chromium', { timeout: 60_000 }, () => {
  let browser: Browser
  let h: Harness
  let app: { server: Server; origin: string }

  beforeAll(async () => {
    app = await startAppServer()
    ;[browser, h] = await Promise.all([
      launchChromium(),
      // The application's origin is on the redirect allow-list: the Connect page may report to it.
      startHarness({
        connectors: (sandbox) => [acmeKeysConnector(sandbox)],
        runtime: { allowedRedirectOrigins: [app.origin] },
      }),
    ])
    await installAcme(h)
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await h?.close()
    await new Promise((resolve) => app?.server.close(resolve))
  }, 60_000)

  /** The application's page, for a new connect session on `integrations`, its button ready. */
  async function openApp(integrations: string[], mode: 'popup' | 'iframe') {
    const context = await browser.newContext({ viewport: { width: 900, height: 800 }, deviceScaleFactor: 1 })
    context.setDefaultTimeout(15_000)
    const page = await context.newPage()
    const { token } = await connectSession(h, { integrations, end_user: 'user-sdk' })
    const query = new URLSearchParams({ token, base: h.server.url, mode })
    await page.goto(`${app.origin}/app.html?${query}`)
    return page
  }

  const outcome = async (page: Page, id: 'result' | 'error') => {
    await page.waitForFunction((which) => document.getElementById(which)?.textContent !== '', id)
    return JSON.parse((await page.locator(`#${id}`).textContent()) as string)
  }
  const events = (page: Page) => page.locator('#events li').allTextContents()

  it('connects a sandbox account in a popup and hands the page the connection id', async () => {
    const page = await openApp(['sandbox'], 'popup')
    const [connectPage] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: 'Connect an account' }).click(),
    ])
    const [consent] = await Promise.all([
      connectPage.waitForEvent('popup'),
      connectPage.getByRole('button', { name: 'Connect with Sandbox' }).click(),
    ])
    await consent.waitForURL((url) => url.pathname === '/oauth/authorize')
    await consent.getByRole('button', { name: 'Approve' }).click()

    const result = await outcome(page, 'result')
    expect(result).toEqual({
      connection_id: expect.stringMatching(/^conn_/),
      integration: 'sandbox',
      status: 'connected',
    })
    expect(await events(page)).toEqual(['opened', 'waiting', 'connected', 'closed'])
    // The SDK closed the Connect window once it had the result.
    if (!connectPage.isClosed()) await connectPage.waitForEvent('close')
    const stored = await h.api('GET', `/connections/${result.connection_id}`)
    expect(stored.body).toMatchObject({ status: 'active', created_by: 'user-sdk' })
  })

  it('rejects with cancelled when the user closes the Connect window', async () => {
    const page = await openApp(['sandbox'], 'popup')
    const [connectPage] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: 'Connect an account' }).click(),
    ])
    await page.waitForFunction(() => document.querySelector('#events li')?.textContent === 'opened')
    await connectPage.close()
    expect(await outcome(page, 'error')).toEqual({
      name: 'PatchbayConnectError',
      code: 'cancelled',
      message: 'The Connect window was closed before an account was connected',
    })
    expect(await events(page)).toEqual(['opened', 'cancelled', 'closed'])
  })

  it('connects an API-key account in a modal iframe, which only that application may frame', async () => {
    const page = await openApp(['acme'], 'iframe')
    await page.getByRole('button', { name: 'Connect an account' }).click()
    const dialog = page.getByRole('dialog', { name: 'Connect an account' })
    await dialog.waitFor()
    const frame = page.frameLocator('iframe[title="Connect an account"]')
    await frame.getByLabel('Region', { exact: true }).selectOption('us')
    await frame.getByLabel('API key', { exact: true }).fill(h.sandbox.apiKey)
    expect(await seriousAxeViolations(page)).toEqual([])
    await page.screenshot({ path: `${SCREENSHOTS}connect-sdk-iframe.png`, animations: 'disabled', caret: 'hide' })
    await frame.getByRole('button', { name: 'Connect Acme Keys' }).click()

    const result = await outcome(page, 'result')
    expect(result).toMatchObject({ integration: 'acme', status: 'connected' })
    expect(await events(page)).toEqual(['opened', 'connected', 'closed'])
    expect(await dialog.count()).toBe(0)
    const stored = await h.api('GET', `/connections/${result.connection_id}`)
    expect(stored.body).toMatchObject({ settings: { region: 'us' }, created_by: 'user-sdk' })
  })

  it("rejects with the page's error for a spent link", async () => {
    const page = await openApp(['acme'], 'iframe')
    const token = new URL(page.url()).searchParams.get('token') as string
    // Spend the session first, as another tab would have.
    const made = await fetch(`${h.server.url}/connect/api/connections`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ integration: 'acme', settings: { region: 'eu' }, auth: { apiKey: h.sandbox.apiKey } }),
    })
    expect(made.status).toBe(201)
    await page.getByRole('button', { name: 'Connect an account' }).click()
    const error = await outcome(page, 'error')
    expect(error).toMatchObject({ name: 'PatchbayConnectError', code: 'unauthorized' })
    expect(error.message).toContain('This connect link has expired or was already used.')
  })
})
