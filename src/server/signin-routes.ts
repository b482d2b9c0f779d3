import type { Context, Hono, MiddlewareHandler } from 'hono'
import { isPatchbayError } from '../errors.js'
import { errorEnvelope, parseOrThrow } from '../runtime/index.js'
import type { Patchbay } from '../runtime/index.js'
import { clearFlowCookie, flowBindingFromCookies, flowCookiePolicy, setFlowCookie } from './flow-cookie.js'
import { publicError, readJson } from './http-errors.js'
import { failedPage } from './pages.js'
import { signInExchangeBody } from './schemas.js'

function refusalPage(c: Context, error: unknown): Response {
  const { error: body } = errorEnvelope(publicError(c, error), `${c.req.method} ${c.req.routePath}`)
  return c.html(failedPage(body.message, body.code), body.status_code as 400)
}

/**
 * Social sign-in over HTTP. The browser-facing start and callback: an application sends the
 * user to `GET /signin/:integration/start?redirect_uri=…&state=…` (the page must be one of the
 * integration's sign-in redirect URIs), and the provider's callback ends at that page with
 * `code` and `state`. The application's server then trades the code, with its API key, at
 * `POST /signin/exchange` for the user's normalized profile. A refused start or an unknown flow
 * is a page here, never a redirect, so nothing is sent to an unregistered address.
 */
export function mountSignInRoutes(app: Hono, patchbay: Patchbay, api: MiddlewareHandler) {
  const cookies = flowCookiePolicy(patchbay.publicUrl)
  app.get('/signin/:integration/start', async (c) => {
    c.header('Cache-Control', 'no-store')
    try {
      const redirectUri = c.req.query('redirect_uri')
      const state = c.req.query('state')
      const start = await patchbay.signIn.begin(c.req.param('integration'), {
        ...(redirectUri === undefined ? {} : { redirectUri }),
        ...(state === undefined ? {} : { state }),
        createConnection: ['1', 'true'].includes(c.req.query('create_connection') ?? ''),
      })
      setFlowCookie(c, cookies, start)
      return c.redirect(start.url, 302)
    } catch (error) {
      if (!isPatchbayError(error)) throw error
      return refusalPage(c, error)
    }
  })

  const callback = async (c: Context) => {
    const params =
      c.req.method === 'POST'
        ? new URLSearchParams((await c.req.parseBody()) as Record<string, string>)
        : new URL(c.req.url).searchParams
    c.header('Cache-Control', 'no-store')
    try {
      const presented = flowBindingFromCookies(c, cookies)
      const result = await patchbay.signIn.complete(c.req.param('integration') as string, params, presented.binding)
      const flowKey = presented.used()
      if (flowKey !== null) clearFlowCookie(c, cookies, flowKey)
      return c.redirect(result.redirect, 302)
    } catch (error) {
      if (!isPatchbayError(error)) throw error
      return refusalPage(c, error)
    }
  }
  app.get('/signin/:integration/callback', callback)
  app.post('/signin/:integration/callback', callback)

  app.post('/signin/exchange', api, async (c) => {
    const body = parseOrThrow(signInExchangeBody, await readJson(c), '')
    const result = await patchbay.signIn.exchange(body.code)
    c.header('Cache-Control', 'no-store')
    return c.json({
      integration: result.integration,
      profile: result.profile,
      connection_id: result.connectionId,
    })
  })
}
