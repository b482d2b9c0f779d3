import type { Context, Hono } from 'hono'
import { isPatchbayError, PatchbayError } from '../../errors.js'
import type { JsonObject } from '../../kit/index.js'
import { errorEnvelope, parseOrThrow } from '../../runtime/index.js'
import type { EnvelopeError, Patchbay, SessionAuthorizationResult } from '../../runtime/index.js'
import { flowCookiePolicy, setFlowCookie } from '../flow-cookie.js'
import { publicError, readJson } from '../http-errors.js'
import { connectScript, connectStyles } from './assets.js'
import type { Brand } from './brand.js'
import { embedTargetOf } from './embedding.js'
import type { EmbedTarget } from './embedding.js'
import { connectKindOf, formFieldsOf } from './fields.js'
import { setFramedPageHeaders, setPageHeaders } from './headers.js'
import { pageConnectionBody, pageOAuthStartBody } from './schemas.js'
import {
  CONNECT_SCRIPT_PATH,
  CONNECT_STYLE_PATH,
  connectErrorPage,
  connectPage,
  popupResultPage,
} from './template.js'
import type { PopupMessage } from './template.js'

/**
 * The connect session of a page API call, from `Authorization: Bearer <token>` only: the token
 * never travels in a URL after the page itself was opened.
 * @throws PatchbayError `unauthorized`
 */
function sessionToken(c: Context): string {
  const match = /^Bearer\s+(cs_[A-Za-z0-9_-]+)\s*$/.exec(c.req.header('authorization') ?? '')
  if (!match) {
    c.header('WWW-Authenticate', 'Bearer realm="patchbay-connect"')
    throw new PatchbayError(
      'unauthorized',
      'A connect session is required: Authorization: Bearer <session token>',
    )
  }
  return match[1] as string
}

// The runtime's default wording of a provider's refusal ("GET https://… answered 401: …") is
// for developers; the page's user gets the provider's own words instead. A connector's
// `validateError` message, or any other Patchbay message, is shown as it is.
const PROVIDER_DEFAULT = /^[A-Z]+ https?:\/\/\S* answered \d{3}\b/

/**
 * An error envelope with a message for the person at the page: the provider's words, named
 * after the service, instead of a method and URL.
 */
function plainError(
  error: unknown,
  raisedIn: string,
  serviceName: string | null,
): EnvelopeError {
  const { error: body } = errorEnvelope(error, raisedIn)
  if (!PROVIDER_DEFAULT.test(body.message)) return body
  const details = body.details ?? {}
  const said = [details['error_description'], details['message'], details['error']].find(
    (value): value is string => typeof value === 'string' && value.trim() !== '',
  )
  const status = typeof details['status'] === 'number' ? details['status'] : body.status_code
  const who = serviceName ?? 'The service'
  const what =
    status >= 500 ? `${who} could not complete the connection` : `${who} refused the connection`
  return { ...body, message: said ? `${what}: ${said}` : `${what} (HTTP ${status}).` }
}

/** Page API answers are never cached and never framed. */
function apiHeaders(c: Context): void {
  c.header('Cache-Control', 'no-store')
  c.header('X-Content-Type-Options', 'nosniff')
}

/**
 * A connector's logo for the page: its own, else the catalogue's logo of the same id (a
 * connector written in code for a catalogued provider), else null and the page shows an initial.
 */
function logoOf(patchbay: Patchbay, connector: { id: string; logoUrl?: string }): string | null {
  if (connector.logoUrl) return connector.logoUrl
  if (patchbay.connectors.logo(connector.id) === undefined) return null
  return `${patchbay.publicUrl}/connectors/${encodeURIComponent(connector.id)}/logo`
}

/**
 * Mounts the Connect page: `GET /connect?session=…` (with `origin`, `mode` and `nonce` when the
 * browser SDK opens it), its script and stylesheet (with the brand's accent), and the two calls
 * it makes with the session as a Bearer token (`POST /connect/api/connections` for forms, `POST
 * /connect/api/oauth/start` for a popup's consent flow). A connect session reaches nothing else:
 * the API routes take API keys only.
 */
export function mountConnectPage(app: Hono, patchbay: Patchbay, brand: Brand): void {
  app.get(CONNECT_SCRIPT_PATH, (c) => {
    c.header('Cache-Control', 'no-cache')
    c.header('X-Content-Type-Options', 'nosniff')
    return c.body(connectScript(), 200, { 'Content-Type': 'text/javascript; charset=utf-8' })
  })
  app.get(CONNECT_STYLE_PATH, (c) => {
    c.header('Cache-Control', 'no-cache')
    c.header('X-Content-Type-Options', 'nosniff')
    return c.body(connectStyles(brand), 200, { 'Content-Type': 'text/css; charset=utf-8' })
  })

  app.get('/connect', async (c) => {
    setPageHeaders(c)
    let embed: EmbedTarget | null = null
    let opened
    try {
      const query = { origin: c.req.query('origin'), mode: c.req.query('mode'), nonce: c.req.query('nonce') }
      embed = embedTargetOf(query, patchbay.connectSessions.allowsOrigin)
      // Framable only for the allowed application that asked for an iframe; never otherwise.
      if (embed?.mode === 'embed') setFramedPageHeaders(c, embed.origin)
      opened = await patchbay.connectSessions.open(c.req.query('session') ?? '')
    } catch (error) {
      if (!isPatchbayError(error)) throw error
      const { error: body } = errorEnvelope(error, 'GET /connect')
      return c.html(connectErrorPage(body, brand, embed), body.status_code as 401)
    }
    // A connector's `description` is for developers: the page never shows it (issue 13).
    const panels = opened.integrations.map(({ integration, connector }) => ({
      integration: integration.id,
      name: connector.name,
      logoUrl: logoOf(patchbay, connector),
      kind: connectKindOf(connector),
      fields: formFieldsOf(connector),
      button: connector.connectButton ?? null,
    }))
    const { token, redirect } = opened.session
    return c.html(connectPage({ token, panels, redirect, brand, embed }))
  })

  app.post('/connect/api/connections', async (c) => {
    apiHeaders(c)
    let integration: string | null = null
    try {
      const token = sessionToken(c)
      const body = parseOrThrow(pageConnectionBody, await readJson(c), '')
      integration = body.integration
      const connection = await patchbay.connectSessions.connect(token, {
        integration: body.integration,
        ...(body.settings ? { settings: body.settings as JsonObject } : {}),
        ...(body.auth ? { auth: body.auth as JsonObject } : {}),
      })
      return c.json(
        {
          connection: {
            id: connection.id,
            integration: connection.integrationId,
            account_name: connection.accountName,
          },
        },
        201,
      )
    } catch (error) {
      return pageErrorResponse(c, error, integration)
    }
  })

  app.post('/connect/api/oauth/start', async (c) => {
    apiHeaders(c)
    let integration: string | null = null
    try {
      const token = sessionToken(c)
      const body = parseOrThrow(pageOAuthStartBody, await readJson(c), '')
      integration = body.integration
      const settings = (body.settings ?? {}) as JsonObject
      const start = await patchbay.connectSessions.begin(token, body.integration, settings)
      // The page's script fetches this with its cookies, so the popup's callback gets them back.
      setFlowCookie(c, flowCookiePolicy(patchbay.publicUrl), start)
      return c.json({ url: start.url })
    } catch (error) {
      return pageErrorResponse(c, error, integration)
    }
  })

  /** The JSON error of a page call, in words for the page's user. */
  async function pageErrorResponse(c: Context, error: unknown, integration: string | null) {
    const name = integration ? await serviceNameOf(patchbay, integration) : null
    const body = plainError(publicError(c, error), `${c.req.method} ${c.req.routePath}`, name)
    return c.json({ error: body }, body.status_code as 400)
  }
}

/** The connector name of an integration, for messages; null when it is unknown. */
export async function serviceNameOf(
  patchbay: Patchbay,
  integrationId: string,
): Promise<string | null> {
  const integration = await patchbay.integrations.get(integrationId)
  if (!integration) return null
  return patchbay.connectors.find(integration.connectorId)?.name ?? null
}

/**
 * The callback's answer for a flow started from the Connect page: a page that reports the result
 * to the opener by `postMessage`, under the page's headers.
 */
export function popupResultResponse(
  c: Context,
  result: SessionAuthorizationResult,
  serviceName: string | null,
): Response {
  setPageHeaders(c)
  if (result.ok) {
    const message: PopupMessage = {
      type: 'patchbay:connected',
      connection_id: result.connection.id,
      account_name: result.connection.accountName,
      integration: result.connection.integrationId,
      status: 'connected',
    }
    return c.html(popupResultPage(message, serviceName))
  }
  const error = plainError(
    publicError(c, result.error),
    `${c.req.method} ${c.req.routePath}`,
    serviceName,
  )
  const message: PopupMessage = { type: 'patchbay:error', code: error.code, message: error.message }
  return c.html(popupResultPage(message, serviceName), error.status_code as 400)
}
