import { PatchbayError } from '../../errors.js'
import { schemeFactsOf } from '../../kit/index.js'
import type { Connector, JsonObject } from '../../kit/index.js'
import type { Connection, ConnectSession, Integration } from '../../store/index.js'
import { checkRedirect } from './authorization.js'
import { beginAuthorization, completeAuthorization } from './dispatch.js'
import type { AuthorizationResult, AuthorizationStart } from './authorization.js'
import type { FlowBinding } from './flow-binding.js'
import { createConnection } from '../connections/connections.js'
import type { RuntimeDeps } from '../deps.js'
import { unknownIntegration } from '../unknown-integration.js'

/** Connect sessions are short: a browser is expected to open the URL right away. */
const CONNECT_SESSION_SECONDS = 30 * 60

export interface ConnectSessionOptions {
  connectionId?: string
  redirect?: string
  endUser?: string
  /** The API caller creating the session; recorded on the connection when no `endUser` is given. */
  createdBy?: string
  /** Seconds the session stays usable; at most an hour. */
  ttl?: number
}

/** What `connectSessions.create` hands back to the API caller. */
export interface CreatedConnectSession {
  token: string
  /** The URL to send the end user's browser to. */
  url: string
  expiresAt: number
}

/** A live session with the integrations it may connect, for the Connect page to list. */
export interface OpenConnectSession {
  session: ConnectSession
  integrations: { integration: Integration; connector: Connector }[]
}

/** What the Connect page submits for a connection made from a form. */
export interface SessionConnectionInput {
  integration: string
  settings?: JsonObject
  auth?: JsonObject
}

/** Marks an auth session as started from the Connect page (kept sealed with the auth session). */
const CONNECT_PAGE = 'connect_page'

/** Every integration a session may connect, its first one included. */
function allowedIntegrations(session: ConnectSession): string[] {
  return session.integrationIds ?? [session.integrationId]
}

function connectionOwner(session: ConnectSession): string | null {
  return session.endUser || session.createdBy || null
}

/**
 * The one wording for every expired, unknown or spent connect link, wherever it is noticed (the
 * Connect page, its calls, a popup's callback, a direct start URL): what happened and what to do.
 */
export const SPENT_LINK_MESSAGE =
  'This connect link has expired or was already used. Go back to the application and start ' +
  'connecting again to get a new link.'

const refused = () => new PatchbayError('unauthorized', SPENT_LINK_MESSAGE)

/**
 * Whether `origin` may receive the Connect page's result by `postMessage` (or frame it, when
 * asked): Patchbay's own origin and the redirect allow-list, the same as a redirect target.
 */
export function allowsAppOrigin(deps: RuntimeDeps, origin: string): boolean {
  if (!URL.canParse(origin) || new URL(origin).origin !== origin) return false
  try {
    checkRedirect(deps, `${origin}/`)
    return true
  } catch {
    return false
  }
}

/**
 * Reads a live, unspent session allowed to connect `integrationId` (any of its integrations
 * when not given).
 * @throws PatchbayError `unauthorized` for an unknown, expired or spent token, or an
 *   integration the session does not allow
 */
async function liveSession(
  deps: RuntimeDeps,
  token: string,
  integrationId?: string,
): Promise<ConnectSession> {
  const session = token ? await deps.store.getConnectSession(token, deps.now()) : null
  if (!session) throw refused()
  if (integrationId !== undefined && !allowedIntegrations(session).includes(integrationId)) {
    throw new PatchbayError(
      'unauthorized',
      `This connect link does not allow connecting "${integrationId}"`,
    )
  }
  return session
}

/**
 * Spends a session on the connection it just made. Two flows of one session racing to the end
 * both pass the liveness check; the loser's new connection is undone, so a session never makes
 * more than one connection.
 */
async function spend(
  deps: RuntimeDeps,
  token: string,
  session: ConnectSession,
  connection: Connection,
) {
  if (await deps.store.consumeConnectSession(token, deps.now())) return
  if (session.connectionId === null && (await deps.store.deleteConnection(connection.id))) {
    const { id: connectionId, integrationId } = connection
    deps.emit({ type: 'connection.deleted', connectionId, integrationId })
  }
  throw refused()
}

/** Whether the connector's accounts are connected through a redirect flow (OAuth 2 code or OAuth 1). */
function isAuthorizationCode(connector: Connector): boolean {
  return schemeFactsOf(connector.auth).usesRedirect(connector.auth)
}

/**
 * Creates a connect session: a short-lived bearer token that lets a browser connect an account
 * on the given integrations, and nothing else (it is never an API credential). With one
 * integration given as a string, the URL starts that integration's OAuth flow directly (and the
 * session is spent on starting it); with a list, the URL is the Connect page.
 * @throws PatchbayError `not_found` for an unknown integration, `bad_request` for a redirect
 *   off the allow-list
 */
export async function createConnectSession(
  deps: RuntimeDeps,
  integrations: string | readonly string[],
  options: ConnectSessionOptions = {},
): Promise<CreatedConnectSession> {
  const ids = [...new Set(typeof integrations === 'string' ? [integrations] : integrations)]
  const first = ids[0]
  if (first === undefined) throw new TypeError('a connect session needs at least one integration')
  for (const id of ids) {
    if (!(await deps.store.getIntegration(id))) {
      throw unknownIntegration(id)
    }
  }
  const redirect = checkRedirect(deps, options.redirect)
  const token = `cs_${Buffer.from(deps.random(24)).toString('base64url')}`
  const ttl = Math.min(Math.max(options.ttl ?? CONNECT_SESSION_SECONDS, 60), 3600)
  const expiresAt = deps.now() + ttl
  await deps.store.createConnectSession({
    token,
    integrationId: first,
    ...(typeof integrations === 'string' ? {} : { integrationIds: ids }),
    connectionId: options.connectionId ?? null,
    redirect,
    endUser: options.endUser ?? null,
    ...(options.createdBy ? { createdBy: options.createdBy } : {}),
    expiresAt,
  })
  const url =
    typeof integrations === 'string'
      ? `${deps.publicUrl}/auth/${encodeURIComponent(first)}/start?session=${token}`
      : `${deps.publicUrl}/connect?session=${token}`
  return { token, url, expiresAt }
}

/**
 * Spends a connect session on starting an integration's OAuth flow (the direct start URL).
 * @throws PatchbayError `unauthorized`
 */
export async function startConnectSession(
  deps: RuntimeDeps,
  integrationId: string,
  token: string,
): Promise<AuthorizationStart> {
  const session = await deps.store.getConnectSession(token, deps.now())
  if (!session) throw refused()
  if (!allowedIntegrations(session).includes(integrationId)) {
    throw new PatchbayError(
      'unauthorized',
      `This connect link does not allow connecting "${integrationId}"`,
    )
  }
  if (!(await deps.store.consumeConnectSession(token, deps.now()))) throw refused()
  const owner = connectionOwner(session)
  return beginAuthorization(deps, integrationId, {
    ...(session.connectionId ? { connectionId: session.connectionId } : {}),
    ...(session.redirect ? { redirect: session.redirect } : {}),
    ...(owner ? { createdBy: owner } : {}),
  })
}

/**
 * A live session and its integrations with their connectors, for the Connect page. Viewing does
 * not spend the session. Integrations deleted (or whose connector is gone) since the session was
 * made are left out.
 * @throws PatchbayError `unauthorized`
 */
export async function openConnectSession(
  deps: RuntimeDeps,
  token: string,
): Promise<OpenConnectSession> {
  const session = await liveSession(deps, token)
  const integrations: OpenConnectSession['integrations'] = []
  for (const id of allowedIntegrations(session)) {
    const integration = await deps.store.getIntegration(id)
    // A connector no longer registered cannot be connected; the page lists the others.
    const connector = integration ? deps.registry.find(integration.connectorId) : undefined
    if (integration && connector) integrations.push({ integration, connector })
  }
  return { session, integrations }
}

/**
 * Makes a connection from a Connect page form (API key, password, client credentials): checks
 * the session allows the integration, validates the credentials with the provider and reads the
 * profile before storing, then spends the session. A refusal leaves the session usable, so the
 * user can correct the form.
 * @throws PatchbayError `unauthorized` for the session; the provider's refusal in plain words
 */
export async function connectWithSession(
  deps: RuntimeDeps,
  token: string,
  input: SessionConnectionInput,
): Promise<Connection> {
  const session = await liveSession(deps, token, input.integration)
  const integration = await deps.store.getIntegration(input.integration)
  if (!integration) {
    throw unknownIntegration(input.integration)
  }
  if (isAuthorizationCode(deps.registry.get(integration.connectorId))) {
    // Importing tokens is for API callers; the page connects OAuth accounts through the provider.
    throw new PatchbayError(
      'bad_request',
      `"${input.integration}" is connected through its OAuth flow, not a form`,
    )
  }
  const connection = await createConnection(deps, {
    integration: input.integration,
    connectionId: session.connectionId,
    ...(input.settings ? { settings: input.settings } : {}),
    ...(input.auth ? { auth: input.auth } : {}),
    createdBy: connectionOwner(session),
  })
  await spend(deps, token, session, connection)
  return connection
}

/**
 * Starts an OAuth flow from the Connect page: the session must allow the integration; it is not
 * spent yet (a denied consent can be retried), but the auth session remembers it so the
 * callback can report to the page and spend it.
 * @throws PatchbayError `unauthorized`, `bad_request` for a connector without an OAuth flow
 */
export async function beginWithSession(
  deps: RuntimeDeps,
  token: string,
  integrationId: string,
  settings: JsonObject = {},
): Promise<AuthorizationStart> {
  const session = await liveSession(deps, token, integrationId)
  const owner = connectionOwner(session)
  return beginAuthorization(deps, integrationId, {
    ...(session.connectionId ? { connectionId: session.connectionId } : {}),
    ...(owner ? { createdBy: owner } : {}),
    settings,
    startedFrom: { via: CONNECT_PAGE, connectSession: token },
  })
}

/** The result of an OAuth callback, and whether the Connect page started the flow. */
export type SessionAuthorizationResult = AuthorizationResult & { fromConnectPage: boolean }

/**
 * Completes an OAuth callback. For a flow started from the Connect page, the connect session must
 * still be live before the code is exchanged (nothing is stored otherwise) and is spent by the
 * connection made.
 */
export async function completeWithSessions(
  deps: RuntimeDeps,
  integrationId: string,
  params: URLSearchParams,
  binding?: FlowBinding,
): Promise<SessionAuthorizationResult> {
  const tokenOf = (startedFrom: JsonObject | null) =>
    startedFrom?.['via'] === CONNECT_PAGE && typeof startedFrom['connectSession'] === 'string'
      ? startedFrom['connectSession']
      : null
  const checked: { session?: ConnectSession } = {}
  const result = await completeAuthorization(deps, integrationId, params, {
    ...(binding === undefined ? {} : { binding }),
    async beforeExchange(startedFrom) {
      const token = tokenOf(startedFrom)
      if (token !== null) checked.session = await liveSession(deps, token, integrationId)
    },
  })
  const token = tokenOf(result.startedFrom)
  // The token stays in the runtime: callers learn only where the flow came from.
  const settled = { ...result, startedFrom: null, fromConnectPage: token !== null }
  if (!result.ok || token === null || !checked.session) return settled
  try {
    await spend(deps, token, checked.session, result.connection)
    return settled
  } catch (error) {
    return { ok: false, error, redirect: result.redirect, startedFrom: null, fromConnectPage: true }
  }
}
