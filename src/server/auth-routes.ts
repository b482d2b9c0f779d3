import type { Context, Hono } from 'hono'
import { isPatchbayError, PatchbayError } from '../errors.js'
import type { Patchbay } from '../runtime/index.js'
import { errorEnvelope } from '../runtime/index.js'
import { bearerChallenge } from './api-auth.js'
import type { ApiAuthenticator } from './api-auth.js'
import { popupResultResponse, serviceNameOf } from './connect-page/index.js'
import { clearFlowCookie, flowBindingFromCookies, flowCookiePolicy, setFlowCookie } from './flow-cookie.js'
import { publicError } from './http-errors.js'
import { connectedPage, failedPage } from './pages.js'
import { settingsFromQuery } from './settings-query.js'

function withParams(target: string, params: Record<string, string>): string {
  const url = new URL(target)
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
  return url.toString()
}

function failure(c: Context, error: unknown, redirect: string | null): Response {
  const { error: body } = errorEnvelope(publicError(c, error), `${c.req.method} ${c.req.routePath}`)
  if (redirect) {
    return c.redirect(withParams(redirect, { error: body.code, error_description: body.message }), 302)
  }
  return c.html(failedPage(body.message, body.code), body.status_code as 400)
}

/**
 * The browser-facing OAuth routes: start (by connect session, or by an API caller) and the
 * provider's callback (GET, or POST for `response_mode=form_post`). The start hands the browser
 * its flow's binding in a cookie; the callback finishes only a flow whose cookie it gets back.
 */
export function mountAuthRoutes(app: Hono, patchbay: Patchbay, authenticate: ApiAuthenticator) {
  const cookies = flowCookiePolicy(patchbay.publicUrl)
  app.get('/auth/:integration/start', async (c) => {
    const integration = c.req.param('integration')
    const session = c.req.query('session')
    try {
      let start
      const auth = session ? null : await authenticate(c.req.header('authorization'))
      if (session) {
        start = await patchbay.connectSessions.start(integration, session)
      } else if (auth?.ok) {
        const connectionId = c.req.query('connection_id')
        const redirect = c.req.query('redirect')
        const settings = settingsFromQuery(c.req.query('settings'))
        start = await patchbay.beginAuthorization(integration, {
          ...(connectionId ? { connectionId } : {}),
          ...(redirect ? { redirect } : {}),
          ...(settings ? { settings } : {}),
          createdBy: auth.caller.id,
        })
      } else {
        c.header('WWW-Authenticate', bearerChallenge(auth ?? { presented: false }))
        throw new PatchbayError(
          'unauthorized',
          'Starting a connection needs a connect session, an API key or an access token',
          auth?.insufficientScope === undefined ? {} : { status: 403 },
        )
      }
      c.header('Cache-Control', 'no-store')
      setFlowCookie(c, cookies, start)
      return c.redirect(start.url, 302)
    } catch (error) {
      return failure(c, error, null)
    }
  })

  const callback = async (c: Context) => {
    const integration = c.req.param('integration') as string
    const params =
      c.req.method === 'POST'
        ? new URLSearchParams((await c.req.parseBody()) as Record<string, string>)
        : new URL(c.req.url).searchParams
    c.header('Cache-Control', 'no-store')
    try {
      const presented = flowBindingFromCookies(c, cookies)
      const result = await patchbay.completeAuthorization(integration, params, presented.binding)
      const flowKey = presented.used()
      if (flowKey !== null) clearFlowCookie(c, cookies, flowKey)
      if (result.fromConnectPage) {
        return popupResultResponse(c, result, await serviceNameOf(patchbay, integration))
      }
      if (!result.ok) return failure(c, result.error, result.redirect)
      const { connection, redirect } = result
      if (redirect) {
        return c.redirect(withParams(redirect, { connection_id: connection.id, status: 'connected' }), 302)
      }
      const stored = await patchbay.integrations.get(connection.integrationId)
      const name = stored ? patchbay.connectors.get(stored.connectorId).name : integration
      return c.html(connectedPage(name, connection.accountName, connection.id))
    } catch (error) {
      if (!isPatchbayError(error)) throw error
      return failure(c, error, null)
    }
  }
  app.get('/auth/:integration/callback', callback)
  app.post('/auth/:integration/callback', callback)
}
