import { Hono } from 'hono'
import { isPatchbayError, PatchbayError } from '../errors.js'
import { describeConnector, isJsonObject, RESULT_PAGE_CSS } from '../kit/index.js'
import type { JsonObject } from '../kit/index.js'
import {
  connectionDeletedView,
  connectionEventView,
  connectionView,
  credentialsView,
  errorEnvelope,
  integrationView,
  parseOrThrow,
  readImportRecords,
  withWireAuth,
  unknownIntegration,
} from '../runtime/index.js'
import type { OperatorOidcConfig, Patchbay } from '../runtime/index.js'
import { apiKeyDigests, createApiAuthenticator, requireApiAuth } from './api-auth.js'
import type { ApiKeyLookup } from './api-auth.js'
import { mountAuthRoutes } from './auth-routes.js'
import { DEFAULT_BODY_LIMITS, limitBodies } from './body-limit.js'
import type { BodyLimits } from './body-limit.js'
import { brandCss, mountConnectPage, parseBrand } from './connect-page/index.js'
import type { BrandInput } from './connect-page/index.js'
import { mountDashboard } from './dashboard/index.js'
import { createNodeCredentials, credentialsRequestId } from './credentials-node.js'
import { mountKeyRoutes } from './key-routes.js'
import { countAnswers } from './answer-counter.js'
import { createServerMetrics } from './metrics.js'
import { mountOperationsRoutes } from './operations-routes.js'
import { createLogger, requestLogging } from './logging.js'
import type { Logger } from './logging.js'
import type { OidcVerifier } from './oidc-verifier.js'
import { buildOpenApiDocument } from './openapi/index.js'
import { securePages } from './page-security.js'
import { PAGE_STYLE_PATH } from './pages.js'
import { nodeExchangeOf } from './node-exchange.js'
import { proxyPathOf } from './proxy-forwarding.js'
import { createNodeProxy } from './proxy-node.js'
import { mountProxyRoute, refuseEscapingProxyPaths } from './proxy-route.js'
import { errorResponse, publicError, readJson } from './http-errors.js'
import { mountSignInRoutes } from './signin-routes.js'
import { mountWebhookRoutes } from './webhook-routes.js'
import { createWireAuthReader } from './wire-input.js'
import {
  capabilityBody,
  connectionBody,
  connectionEventQuery,
  connectionListQuery,
  connectSessionBody,
  integrationBody,
} from './schemas.js'

/** A body's bytes as a stream of 1 MiB views, so an import splits its lines as it goes. */
async function* chunksOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  const size = 1024 * 1024
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size)
}

/**
 * An SVG is a document that could run script if opened as a page: it is served as an image with
 * a policy that allows no script, no fetch and no plugin, only its inline styles.
 */
const LOGO_HEADERS = {
  'Content-Type': 'image/svg+xml',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'public, max-age=86400',
  'Cross-Origin-Resource-Policy': 'cross-origin',
}

export interface ServerAppOptions {
  patchbay: Patchbay
  /**
   * Operator sign-in to the dashboard through an OpenID Provider (`PATCHBAY_DASHBOARD_OIDC_*`);
   * without it the dashboard takes API keys only.
   */
  dashboardOidc?: OperatorOidcConfig
  /** Keys accepted as `Authorization: Bearer <key>` on API routes. */
  apiKeys: readonly string[]
  /** Accepts JWT access tokens from an OIDC issuer on API routes (`createOidcVerifier`). */
  oidc?: OidcVerifier
  /** How stored API keys are found; by default `patchbay.apiKeys`. `false` turns them off. */
  findApiKey?: ApiKeyLookup | false
  /** Request logs (one JSON line per request); silent by default. */
  logger?: Logger
  /** Body limits per kind of route; {@link DEFAULT_BODY_LIMITS} for those left out. */
  limits?: Partial<BodyLimits>
  /**
   * A bearer token that may read `GET /metrics` besides API keys (`PATCHBAY_METRICS_TOKEN`), so a
   * scraper need not hold a key that opens the API.
   */
  metricsToken?: string
  /**
   * The application's name, logo and accent colour on the Connect page and the result pages
   * (`PATCHBAY_BRAND_*`); checked here, so a bad value stops the server from starting.
   */
  brand?: BrandInput
}

/**
 * The HTTP API as a Web-standard handler (`app.fetch(request)`): API routes behind the key,
 * browser routes for the OAuth flow, and health.
 */
export function createServerApp(options: ServerAppOptions): Hono {
  const { patchbay } = options
  const brand = parseBrand(options.brand)
  const digests = apiKeyDigests(options.apiKeys)
  const storedKey: ApiKeyLookup = (presented) => patchbay.apiKeys.findActive(presented)
  const findApiKey = options.findApiKey === false ? undefined : (options.findApiKey ?? storedKey)
  const authenticate = createApiAuthenticator({
    keyDigests: digests,
    ...(findApiKey ? { findApiKey } : {}),
    ...(options.oidc ? { oidc: options.oidc } : {}),
  })
  const app = new Hono()
  const logger = options.logger ?? createLogger({ level: 'silent' })
  app.use('*', requestLogging(logger))

  app.onError((error, c) => errorResponse(c, error))
  app.notFound((c) => errorResponse(c, new PatchbayError('not_found', `No route ${c.req.method} ${c.req.path}`)))
  app.use('*', securePages())
  app.use('*', refuseEscapingProxyPaths())
  const limits: BodyLimits = { ...DEFAULT_BODY_LIMITS, ...options.limits }
  app.use('*', limitBodies(limits, errorResponse))
  app.get(PAGE_STYLE_PATH, (c) => {
    c.header('Cache-Control', 'no-cache')
    c.header('X-Content-Type-Options', 'nosniff')
    return c.body(RESULT_PAGE_CSS + brandCss(brand), 200, { 'Content-Type': 'text/css; charset=utf-8' })
  })

  app.get('/ready', async (c) => {
    const ready = await patchbay.ping().then(() => true, () => false)
    if (ready) return c.json({ status: 'ready' })
    const down = new PatchbayError('store_unavailable', 'The store does not answer')
    return errorResponse(c, down)
  })
  app.get('/openapi.json', (c) => c.json(buildOpenApiDocument({ serverUrl: patchbay.publicUrl })))
  mountAuthRoutes(app, patchbay, authenticate)
  mountConnectPage(app, patchbay, brand)
  mountDashboard(app, patchbay, authenticate, options.dashboardOidc ?? null)

  // Logos are public, like the Connect page that shows them: an <img> sends no API key.
  app.get('/connectors/:id/logo', (c) => {
    const svg = patchbay.connectors.logo(c.req.param('id'))
    if (svg === undefined) throw new PatchbayError('not_found', `Connector "${c.req.param('id')}" has no logo`)
    return c.body(svg, 200, LOGO_HEADERS)
  })

  const api = requireApiAuth(authenticate)
  const metrics = createServerMetrics(patchbay)
  mountOperationsRoutes(app, patchbay, api, metrics, options.metricsToken)
  mountKeyRoutes(app, patchbay.apiKeys, api)
  app.use('/proxy/*', countAnswers((status, seconds) => metrics.observeProxy(status, seconds)))
  app.use('/connections/:id/credentials', countAnswers((status) => metrics.countCredentialRequest(status)))
  mountProxyRoute(app, patchbay, api, limits.proxyBytes)
  // Proxy requests the Node adapter made skip Hono and its web streams: the Node proxy does what
  // the middleware above and the route do, on the Node request and response (issue 9).
  // So does the hot read of a stored credential (credentials-node.ts), for the plain GET.
  const nodeProxy = createNodeProxy({
    patchbay,
    authenticate,
    logger,
    maxBodyBytes: limits.proxyBytes,
    onAnswered: (status, seconds) => metrics.observeProxy(status, seconds),
  })
  const nodeCredentials = createNodeCredentials({
    patchbay,
    authenticate,
    logger,
    onAnswered: (status) => metrics.countCredentialRequest(status),
  })
  const dispatch = app.fetch
  app.fetch = (request, env, executionCtx) => {
    const exchange = nodeExchangeOf(request)
    if (exchange) {
      if (proxyPathOf(exchange.incoming.url ?? '') !== null) return nodeProxy(exchange, request)
      const connectionId = credentialsRequestId(exchange.incoming)
      if (connectionId !== null) return nodeCredentials(exchange, connectionId)
    }
    return dispatch(request, env, executionCtx)
  }
  mountWebhookRoutes(app, patchbay, api)
  mountSignInRoutes(app, patchbay, api)
  for (const path of ['/connectors/*', '/connectors', '/integrations/*', '/integrations', '/connections/*', '/connections', '/connect/sessions']) {
    app.use(path, api)
  }

  app.get('/connectors', (c) => {
    const search = c.req.query('search')
    const category = c.req.query('category')
    const filter = { ...(search === undefined ? {} : { search }), ...(category === undefined ? {} : { category }) }
    return c.json({ connectors: patchbay.connectors.describe(filter) })
  })
  app.get('/connectors/:id', (c) => c.json(describeConnector(patchbay.connectors.get(c.req.param('id')))))
  app.put('/connectors/:id', async (c) => {
    const connector = await patchbay.connectors.put(c.req.param('id'), await readJson(c))
    return c.json(describeConnector(connector))
  })

  const wireAuth = createWireAuthReader()
  app.post('/connectors/:id/test-message', async (c) => {
    // The runtime checks `{settings, auth, request}` and answers every problem as an envelope.
    const input = await readJson(c)
    const auth = isJsonObject(input) ? wireAuth(c, input['auth']) : undefined
    const envelope = await patchbay.call(
      c.req.param('id'),
      'send_message',
      auth && isJsonObject(input) ? { ...input, auth } : input,
    )
    if (envelope.error?.code === 'internal' && envelope.error.raised_by !== 'PatchbayError') {
      const hidden = errorEnvelope(publicError(c, new Error(envelope.error.message)), envelope.error.raised_in)
      return c.json(hidden, 500)
    }
    return c.json(envelope, envelope.error ? (envelope.error.status_code as 400) : 200)
  })

  app.get('/integrations', async (c) =>
    c.json({ integrations: (await patchbay.integrations.list()).map(integrationView) }),
  )
  app.get('/integrations/:id', async (c) => {
    const integration = await patchbay.integrations.get(c.req.param('id'))
    if (!integration) throw unknownIntegration(c.req.param('id'))
    return c.json(integrationView(integration))
  })
  app.put('/integrations/:id', async (c) => {
    const body = parseOrThrow(integrationBody, await readJson(c), '')
    const integration = await patchbay.integrations.put({
      id: c.req.param('id'),
      connectorId: body.connector,
      clientId: body.client_id ?? null,
      clientSecret: body.client_secret ?? null,
      scopes: body.scopes ?? null,
      redirectUri: body.redirect_uri ?? null,
      signinRedirectUris: body.signin_redirect_uris ?? null,
      ...(body.webhook_secret === undefined ? {} : { webhookSecret: body.webhook_secret }),
    })
    return c.json(integrationView(integration))
  })
  app.delete('/integrations/:id', async (c) => {
    if (!(await patchbay.integrations.delete(c.req.param('id')))) {
      throw unknownIntegration(c.req.param('id'))
    }
    return c.body(null, 204)
  })

  app.post('/connect/sessions', async (c) => {
    const body = parseOrThrow(connectSessionBody, await readJson(c), '')
    // `integrations` (a list) gets the Connect page; `integration` alone keeps its direct start URL.
    const integrations = body.integrations
      ? [...(body.integration ? [body.integration] : []), ...body.integrations]
      : (body.integration as string)
    const session = await patchbay.connectSessions.create(integrations, {
      ...(body.connection_id ? { connectionId: body.connection_id } : {}),
      ...(body.redirect ? { redirect: body.redirect } : {}),
      ...(body.end_user ? { endUser: body.end_user } : {}),
      createdBy: c.get('caller').id,
    })
    return c.json({ token: session.token, url: session.url, expires_at: session.expiresAt }, 201)
  })

  app.get('/connections', async (c) => {
    const query = parseOrThrow(connectionListQuery, c.req.query(), 'query')
    const page = await patchbay.connections.page({
      ...(query.integration ? { integrationId: query.integration } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    })
    return c.json({ connections: page.connections.map(connectionView), next_cursor: page.nextCursor })
  })
  app.post('/connections/import', async (c) => {
    // Held whole (bounded by the import limit): every line is checked before any is written.
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    const onOldName = wireAuth.notifier(c)
    const report = await patchbay.connections.import(() => withWireAuth(readImportRecords(chunksOf(bytes)), onOldName), {
      createdBy: c.get('caller').id,
    })
    return c.json(report)
  })
  app.post('/connections', async (c) => {
    const body = parseOrThrow(connectionBody, await readJson(c), '')
    const connection = await patchbay.connections.create({
      integration: body.integration,
      ...(body.connection_id ? { connectionId: body.connection_id } : {}),
      ...(body.settings ? { settings: body.settings as JsonObject } : {}),
      ...(body.auth ? { auth: wireAuth(c, body.auth) as JsonObject } : {}),
      createdBy: c.get('caller').id,
    })
    return c.json(connectionView(connection), 201)
  })
  app.get('/connections/:id', async (c) => {
    const connection = await patchbay.connections.get(c.req.param('id'))
    if (!connection) throw new PatchbayError('not_found', `Connection "${c.req.param('id')}" does not exist`)
    return c.json(connectionView(connection))
  })
  app.delete('/connections/:id', async (c) => {
    const id = c.req.param('id')
    const { deleted, revocation } = await patchbay.connections.disconnect(id)
    if (!deleted) throw new PatchbayError('not_found', `Connection "${id}" does not exist`)
    // 204 when the provider was not asked; 200 with its answer when it was (RFC 7009).
    return revocation.attempted ? c.json(connectionDeletedView(id, revocation)) : c.body(null, 204)
  })
  app.get('/connections/:id/credentials', async (c) => {
    const id = c.req.param('id')
    const { connection, credentials } = await patchbay.resolveConnection(id)
    c.header('Cache-Control', 'no-store')
    return c.json(credentialsView(id, connection, credentials))
  })
  app.get('/connections/:id/events', async (c) => {
    const query = parseOrThrow(connectionEventQuery, c.req.query(), 'query')
    await patchbay.connectionEvents.settled()
    const page = await patchbay.connectionEvents.page(c.req.param('id'), {
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    })
    return c.json({ events: page.events.map(connectionEventView), next_cursor: page.nextCursor })
  })
  app.post('/connections/:id/refresh', async (c) => {
    const connection = await patchbay.connections.refresh(c.req.param('id'))
    return c.json(connectionView(connection))
  })
  app.post('/connections/:id/capabilities/:name', async (c) => {
    const connection = patchbay.connection(c.req.param('id'))
    const input = await readJson(c)
    if (!capabilityBody.safeParse(input).success) {
      // An unknown capability is what to fix first, not the body meant for it; either way the
      // answer is the envelope the route documents.
      // An unknown connection is the route's own 404, as when the body is good.
      const refusal = await connection
        .requireCapability(c.req.param('name'))
        .then(() => parseOrThrow(capabilityBody, input, ''))
        .catch((error: unknown) => {
          if (isPatchbayError(error, 'not_found')) throw error
          return error
        })
      const envelope = errorEnvelope(publicError(c, refusal), `${c.req.method} ${c.req.routePath}`)
      return c.json(envelope, envelope.error.status_code as 400)
    }
    const body = parseOrThrow(capabilityBody, input, '')
    const envelope = await connection.call(c.req.param('name'), {
      request: body.request,
      page: (body.page ?? null) as JsonObject | null,
    })
    if (envelope.error?.code === 'internal' && envelope.error.raised_by !== 'PatchbayError') {
      // A connector's own exception: its words go to the log, the caller gets the request id.
      const hidden = errorEnvelope(publicError(c, new Error(envelope.error.message)), envelope.error.raised_in)
      return c.json(hidden, 500)
    }
    return c.json(envelope, envelope.error ? (envelope.error.status_code as 400) : 200)
  })

  return app
}
