import { handleAuthorize } from './authorize.js'
import { handleApiKeyMe, handleBasicMe, handleLogin, handleLoginMe } from './credentials.js'
import { json, methodNotAllowed } from './http.js'
import { OAUTH1_ROUTES } from './oauth1.js'
import { handleDiscovery, handleJwks, handleUserinfo } from './oidc.js'
import { handleEcho, handleEmails, handleItems, handleMe } from './resources.js'
import type { SandboxState } from './state.js'
import { routedPath } from './quirks.js'
import { handleRevoke } from './revoke.js'
import { handleToken } from './token.js'

type Handle = (state: SandboxState, req: Request) => Response | Promise<Response>

interface Route {
  /** Accepted methods; `undefined` accepts any. */
  methods?: readonly string[]
  /** Counted in `stats().apiCalls`. */
  api?: boolean
  handle: Handle
}

const ROUTES: Readonly<Record<string, Route>> = {
  '/health': { methods: ['GET'], handle: () => json(200, { ok: true }) },
  // Method checks for the OAuth endpoints live in their handlers, which accept GET and POST.
  '/oauth/authorize': { handle: handleAuthorize },
  '/oauth/token': { handle: handleToken },
  '/login': { methods: ['POST'], handle: handleLogin },
  '/me': { methods: ['GET'], api: true, handle: handleMe },
  '/user/emails': { methods: ['GET'], api: true, handle: handleEmails },
  '/api/items': { methods: ['GET'], api: true, handle: handleItems },
  '/api/echo': { api: true, handle: handleEcho },
  '/apikey/me': { methods: ['GET'], api: true, handle: handleApiKeyMe },
  '/basic/me': { methods: ['GET'], api: true, handle: handleBasicMe },
  '/login/me': { methods: ['GET'], api: true, handle: handleLoginMe },
  ...OAUTH1_ROUTES,
  '/.well-known/openid-configuration': { methods: ['GET'], handle: handleDiscovery },
  '/jwks': { methods: ['GET'], handle: handleJwks },
  '/userinfo': { methods: ['GET', 'POST'], api: true, handle: handleUserinfo },
  '/oauth/revoke': { handle: handleRevoke },
}

/** The sandbox provider as a Web-standard handler over the given state. */
export function createSandboxHandler(state: SandboxState): (req: Request) => Promise<Response> {
  return async (req) => {
    const pathname = routedPath(state, new URL(req.url).pathname)
    const route = Object.hasOwn(ROUTES, pathname) ? ROUTES[pathname] : undefined
    if (!route) return json(404, { error: 'not_found' })
    if (route.methods && !route.methods.includes(req.method)) {
      return methodNotAllowed(route.methods)
    }
    if (route.api) state.stats.apiCalls += 1
    try {
      return await route.handle(state, req)
    } catch (error) {
      // A sandbox bug should still look like a provider outage, not a dropped connection.
      console.error('sandbox: handler failed', error)
      return json(500, { error: 'server_error' })
    }
  }
}
