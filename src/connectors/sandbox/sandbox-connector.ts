import { z } from 'zod'
import { defineConnector, oauth2, Paginated } from '../../kit/index.js'
import { SANDBOX_LOGO } from './logo.js'

const profileSchema = z.object({
  id: z.string(),
  login: z.string(),
  email: z.string(),
  name: z.string(),
})

const itemsPage = z.object({
  items: z.array(z.object({ id: z.string(), name: z.string() })),
  next_cursor: z.string().optional(),
})

/** Where the built-in sandbox provider listens unless told otherwise. */
export const DEFAULT_SANDBOX_URL = 'http://127.0.0.1:3001'

/**
 * The connector for Patchbay's own sandbox provider: OAuth 2 with PKCE against a strict
 * authorization server on loopback, so every flow can be tried with no internet.
 */
export function createSandboxConnector(options: { url?: string } = {}) {
  const url = (options.url ?? DEFAULT_SANDBOX_URL).replace(/\/+$/, '')
  return defineConnector({
    id: 'sandbox',
    name: 'Sandbox',
    description: "Patchbay's built-in fake provider: OAuth 2 with PKCE, refresh rotation, a profile",
    logoUrl: SANDBOX_LOGO,
    categories: ['developers'],
    baseUrl: url,
    settings: z.object({}),
    auth: oauth2({
      authorizationUrl: `${url}/oauth/authorize`,
      tokenUrl: `${url}/oauth/token`,
      revocationUrl: `${url}/oauth/revoke`,
      scopes: ['profile'],
      clientAuth: 'client_secret_basic',
      profile: { request: '/me', accountName: 'login', email: 'email' },
      validate: '/me',
      validateError: (failure) =>
        failure.status === 401 ? 'The sandbox did not accept the access token' : undefined,
    }),
    capabilities: {
      validate_credentials: {
        description: 'Checks the access token against the sandbox profile endpoint',
        request: z.object({}),
        response: z.object({ valid: z.boolean(), unique_tenant_id: z.string() }),
        run: async (ctx) => {
          const me = profileSchema.parse(await ctx.fetchJson('/me'))
          return { valid: true, unique_tenant_id: me.id }
        },
      },
      get_user_info: {
        description: 'Reads the signed-in sandbox user',
        request: z.object({}),
        response: profileSchema,
        run: async (ctx) => profileSchema.parse(await ctx.fetchJson('/me')),
      },
      list_items: {
        description: 'Lists the items of the account, a page at a time',
        request: z.object({}),
        response: z.array(z.object({ id: z.string(), name: z.string() })),
        scopes: ['items:read'],
        run: async (ctx) => {
          const query = new URLSearchParams()
          if (ctx.page?.size) query.set('limit', String(ctx.page.size))
          if (ctx.page?.token) query.set('cursor', ctx.page.token)
          const body = itemsPage.parse(await ctx.fetchJson(`/api/items?${query}`))
          const next = body.next_cursor ? { token: body.next_cursor, size: ctx.page?.size ?? null } : null
          return new Paginated(body.items, next)
        },
      },
    },
  })
}
