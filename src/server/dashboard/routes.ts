import type { Context, Hono, MiddlewareHandler } from 'hono'
import { isPatchbayError } from '../../errors.js'
import type { ConnectionPageQuery, Patchbay } from '../../runtime/index.js'
import type { ApiAuthenticator } from '../api-auth.js'
import { connectionPage, connectionsPage, deletePage } from './connections-view.js'
import type { ConnectionFilter, ConnectionRow } from './connections-view.js'
import { connectLinkPage, refusedPage, signInPage } from './forms-view.js'
import { DASHBOARD_STYLE_PATH } from './layout.js'
import type { Frame, Notice } from './layout.js'
import { overviewPage } from './overview-view.js'
import type { IntegrationRow } from './overview-view.js'
import {
  clearSessionCookie,
  csrfTokenOf,
  dashboardCookiePolicy,
  sameToken,
  sessionTokenOf,
  setSessionCookie,
  signInToken,
  signInTokenMatches,
} from './session.js'
import { DASHBOARD_CSS } from './styles.js'

/** The signed-in operator of a dashboard request. */
interface Operator {
  callerId: string
  csrf: string
  token: string
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by the dashboard's guard on every page it lets through. */
    operator: Operator
  }
}

type Form = Record<string, string | File | (string | File)[]>

const STATUSES: readonly string[] = ['active', 'needs_reauth', 'error']

function text(form: Form, name: string): string {
  const value = form[name]
  return typeof value === 'string' ? value.trim() : ''
}

function texts(form: Form, name: string): string[] {
  const value = form[name]
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value]
  return all.filter((item): item is string => typeof item === 'string' && item !== '')
}

function failure(error: unknown): string {
  // A PatchbayError's message is written for callers and holds no secret; anything else is ours.
  return isPatchbayError(error) ? error.message : 'Something went wrong on the server; see its log.'
}

function rowOf(connection: {
  id: string
  integrationId: string
  accountName: string | null
  status: string
  expiresAt: number | null
  lastError: string | null
  createdBy: string | null
  createdAt: number
  updatedAt: number
}): ConnectionRow {
  const { id, integrationId, accountName, status, expiresAt, lastError, createdBy, createdAt, updatedAt } = connection
  return { id, integrationId, accountName, status, expiresAt, lastError, createdBy, createdAt, updatedAt }
}

/**
 * The operator dashboard (issue 13): `GET /` and the pages under `/dashboard/`, rendered on the
 * server from the runtime's API (no script). Sign-in takes an API key, checked like an API call,
 * and opens a session: an opaque token in an HttpOnly, SameSite=Strict cookie (`__Host-` over
 * https), stored as its digest, for a bounded time. Every POST carries the session's CSRF token
 * and, when the browser sends one, an Origin of Patchbay's own; a POST without them is refused
 * before anything runs.
 */
export function mountDashboard(app: Hono, patchbay: Patchbay, authenticate: ApiAuthenticator): void {
  const cookies = dashboardCookiePolicy(patchbay.publicUrl)
  const publicOrigin = new URL(patchbay.publicUrl).origin

  // Besides the tokens, a POST a browser says came from elsewhere is refused. Under the pages'
  // `Referrer-Policy: no-referrer` Chromium sends `Origin: null` even for a page's own forms, so
  // `Sec-Fetch-Site` speaks where the browser sends it, and a named foreign Origin where not.
  const sameOrigin = (c: Context) => {
    const site = c.req.header('sec-fetch-site')
    if (site !== undefined) return site === 'same-origin'
    const origin = c.req.header('origin')
    return origin === undefined || origin === 'null' || origin === publicOrigin || origin === new URL(c.req.url).origin
  }

  const guard: MiddlewareHandler = async (c, next) => {
    const token = sessionTokenOf(c, cookies)
    const session = token === '' ? null : await patchbay.operatorSessions.find(token)
    if (!session) {
      if (c.req.method === 'GET') return c.redirect('/dashboard/sign-in', 303)
      return c.html(refusedPage('You are not signed in, or your session has ended: sign in again.'), 401)
    }
    const csrf = csrfTokenOf(token)
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody({ all: true })
      if (!sameOrigin(c) || !sameToken(form['csrf'], csrf)) {
        const message = 'This form was not sent from a dashboard page of this session: reload the page and try again.'
        return c.html(refusedPage(message), 403)
      }
    }
    c.set('operator', { callerId: session.callerId, csrf, token })
    return next()
  }

  const frame = (c: Context, title: string, current: Frame['current']): Frame => {
    const operator = c.get('operator')
    return { title, current, csrf: operator.csrf, callerId: operator.callerId }
  }
  const integrationIds = async () => (await patchbay.integrations.list()).map((integration) => integration.id)

  app.get(DASHBOARD_STYLE_PATH, (c) => {
    c.header('Cache-Control', 'no-cache')
    c.header('X-Content-Type-Options', 'nosniff')
    return c.body(DASHBOARD_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' })
  })

  app.get('/dashboard/sign-in', async (c) => {
    const token = sessionTokenOf(c, cookies)
    if (token !== '' && (await patchbay.operatorSessions.find(token))) return c.redirect('/', 303)
    const notice: Notice | null =
      c.req.query('signed_out') === undefined ? null : { kind: 'status', text: 'You are signed out.' }
    return c.html(signInPage(signInToken(c, cookies), notice))
  })
  app.post('/dashboard/sign-in', async (c) => {
    const form = await c.req.parseBody({ all: true })
    if (!sameOrigin(c) || !signInTokenMatches(c, cookies, form['signin'])) {
      return c.html(refusedPage('This sign-in form was not sent from this browser’s sign-in page: open it again.'), 403)
    }
    const key = text(form, 'api_key')
    const outcome = key === '' ? null : await authenticate(`Bearer ${key}`)
    if (!outcome?.ok) {
      const notice: Notice = { kind: 'alert', text: 'That API key is not valid, or it was revoked.' }
      return c.html(signInPage(signInToken(c, cookies), notice), 401)
    }
    const previous = sessionTokenOf(c, cookies)
    if (previous !== '') await patchbay.operatorSessions.close(previous)
    const session = await patchbay.operatorSessions.open(outcome.caller.id)
    setSessionCookie(c, cookies, session.token, session.expiresAt - Math.floor(Date.now() / 1000))
    return c.redirect('/', 303)
  })
  app.post('/dashboard/sign-out', guard, async (c) => {
    await patchbay.operatorSessions.close(c.get('operator').token)
    clearSessionCookie(c, cookies)
    return c.redirect('/dashboard/sign-in?signed_out', 303)
  })

  app.get('/', guard, async (c) => {
    const [integrations, counts, activity] = await Promise.all([
      patchbay.integrations.list(),
      patchbay.connections.counts(),
      patchbay.connectionEvents.activity(24),
    ])
    const rows: IntegrationRow[] = integrations.map((integration) => {
      const connector = patchbay.connectors.find(integration.connectorId)
      const tally = { active: 0, needs_reauth: 0, error: 0 }
      for (const count of counts) if (count.integrationId === integration.id) tally[count.status] += count.count
      return {
        id: integration.id,
        connectorId: integration.connectorId,
        connectorName: connector?.name ?? integration.connectorId,
        // A catalogue connector's is Patchbay's `/connectors/:id/logo`; others may declare theirs.
        logoUrl: connector?.logoUrl ?? null,
        redirectUri: patchbay.integrations.redirectUri(integration),
        counts: tally,
      }
    })
    return c.html(overviewPage(frame(c, 'Integrations', 'overview'), rows, activity))
  })

  app.get('/dashboard/connections', guard, async (c) => {
    const integration = c.req.query('integration') ?? ''
    const status = c.req.query('status') ?? ''
    const limitText = c.req.query('limit')
    const limit = limitText === undefined ? null : Number(limitText)
    const filter: ConnectionFilter = { integration, status, limit }
    const deleted = c.req.query('deleted')
    let notice: Notice | null = deleted ? { kind: 'status', text: `Connection ${deleted} deleted.` } : null
    let rows: ConnectionRow[] = []
    let next: string | null = null
    try {
      if (status !== '' && !STATUSES.includes(status)) {
        throw new TypeError(`There is no status "${status}"`)
      }
      const page = await patchbay.connections.page({
        ...(integration ? { integrationId: integration } : {}),
        ...(status ? { status: status as NonNullable<ConnectionPageQuery['status']> } : {}),
        limit: limit ?? 25,
        ...(c.req.query('cursor') ? { cursor: c.req.query('cursor') as string } : {}),
      })
      rows = page.connections.map(rowOf)
      next = page.nextCursor
    } catch (error) {
      notice = { kind: 'alert', text: error instanceof TypeError ? error.message : failure(error) }
    }
    const html = connectionsPage(frame(c, 'Connections', 'connections'), await integrationIds(), filter, rows, next, notice)
    return c.html(html, notice?.kind === 'alert' ? 400 : 200)
  })

  const showConnection = async (c: Context, id: string, notice: Notice | null) => {
    // Events are written as they are emitted: wait for those of what was just done.
    await patchbay.connectionEvents.settled()
    const connection = await patchbay.connections.get(id)
    if (!connection) {
      const gone: Notice = { kind: 'alert', text: `Connection "${id}" does not exist.` }
      return c.html(connectionsPage(frame(c, 'Connections', 'connections'), await integrationIds(), { integration: '', status: '', limit: null }, [], null, gone), 404)
    }
    const cursor = c.req.method === 'GET' ? c.req.query('events_cursor') : undefined
    const events = await patchbay.connectionEvents.page(id, { limit: 50, ...(cursor ? { cursor } : {}) })
    const title = `Connection ${id}`
    return c.html(connectionPage(frame(c, title, 'connections'), rowOf(connection), events.events, events.nextCursor, notice))
  }

  app.get('/dashboard/connections/:id', guard, (c) => showConnection(c, c.req.param('id'), null))
  app.post('/dashboard/connections/:id/refresh', guard, async (c) => {
    const id = c.req.param('id')
    try {
      await patchbay.connections.refresh(id)
      return showConnection(c, id, { kind: 'status', text: 'Refreshed: the connection has new credentials.' })
    } catch (error) {
      return showConnection(c, id, { kind: 'alert', text: `Refresh failed: ${failure(error)}` })
    }
  })
  app.post('/dashboard/connections/:id/test', guard, async (c) => {
    const id = c.req.param('id')
    try {
      const envelope = await patchbay.connection(id).call('validate_credentials', { request: {} })
      if (!envelope.error) {
        return showConnection(c, id, { kind: 'status', text: 'Test passed: the provider accepted the credentials.' })
      }
      // A connector's own exception may say anything: only Patchbay's errors are shown as written.
      const why = envelope.error.raised_by === 'PatchbayError' ? envelope.error.message : 'the connector failed; see the server log'
      return showConnection(c, id, { kind: 'alert', text: `Test failed: ${why}` })
    } catch (error) {
      return showConnection(c, id, { kind: 'alert', text: `Test failed: ${failure(error)}` })
    }
  })
  app.get('/dashboard/connections/:id/delete', guard, async (c) => {
    const connection = await patchbay.connections.get(c.req.param('id'))
    if (!connection) return showConnection(c, c.req.param('id'), null)
    return c.html(deletePage(frame(c, 'Delete connection', 'connections'), rowOf(connection)))
  })
  app.post('/dashboard/connections/:id/delete', guard, async (c) => {
    const id = c.req.param('id')
    try {
      const { deleted } = await patchbay.connections.disconnect(id)
      if (!deleted) return showConnection(c, id, null)
    } catch (error) {
      return showConnection(c, id, { kind: 'alert', text: `Delete failed: ${failure(error)}` })
    }
    return c.redirect(`/dashboard/connections?deleted=${encodeURIComponent(id)}`, 303)
  })

  app.get('/dashboard/connect-link', guard, async (c) =>
    c.html(connectLinkPage(frame(c, 'Create a connect link', 'connect-link'), await integrationIds(), null, null)),
  )
  app.post('/dashboard/connect-link', guard, async (c) => {
    const form = await c.req.parseBody({ all: true })
    const chosen = texts(form, 'integration')
    const endUser = text(form, 'end_user')
    const redirect = text(form, 'redirect')
    const page = (created: { url: string; expiresAt: number } | null, notice: Notice | null, status: 200 | 400) =>
      integrationIds().then((ids) =>
        c.html(connectLinkPage(frame(c, 'Create a connect link', 'connect-link'), ids, created, notice), status),
      )
    if (chosen.length === 0) return page(null, { kind: 'alert', text: 'Choose at least one integration.' }, 400)
    try {
      const session = await patchbay.connectSessions.create(chosen, {
        createdBy: c.get('operator').callerId,
        ...(endUser ? { endUser } : {}),
        ...(redirect ? { redirect } : {}),
      })
      return page({ url: session.url, expiresAt: session.expiresAt }, { kind: 'status', text: 'Connect link created.' }, 200)
    } catch (error) {
      return page(null, { kind: 'alert', text: failure(error) }, 400)
    }
  })
}
