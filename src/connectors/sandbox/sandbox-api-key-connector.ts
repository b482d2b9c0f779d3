import { z } from 'zod'
import { apiKey, defineConnector } from '../../kit/index.js'
import { SANDBOX_LOGO } from './logo.js'
import { DEFAULT_SANDBOX_URL } from './sandbox-connector.js'

const profileSchema = z.object({ id: z.string(), name: z.string() })

/**
 * The sandbox's API-key endpoint as a connector: the key goes in `X-API-Key`, `GET /apikey/me`
 * validates it and names the account. `patchbay start` installs it beside the OAuth sandbox and
 * prints the sandbox's key, so the Connect page's API-key form can be tried too (issue 13).
 */
export function createSandboxApiKeyConnector(options: { url?: string } = {}) {
  const url = (options.url ?? DEFAULT_SANDBOX_URL).replace(/\/+$/, '')
  return defineConnector({
    id: 'sandbox-api-key',
    name: 'Sandbox (API key)',
    description: "Patchbay's built-in fake provider, connected with an API key",
    logoUrl: SANDBOX_LOGO,
    categories: ['developers'],
    baseUrl: url,
    settings: z.object({}),
    auth: apiKey({
      header: 'X-API-Key',
      fields: {
        apiKey: {
          type: 'password',
          label: 'API key',
          tooltip: '`patchbay start` prints the sandbox API key',
        },
      },
      validate: '/apikey/me',
      profile: { request: '/apikey/me', accountName: 'name' },
    }),
    capabilities: {
      get_user_info: {
        description: 'Reads the account the API key belongs to',
        request: z.object({}),
        response: profileSchema,
        run: async (ctx) => profileSchema.parse(await ctx.fetchJson('/apikey/me')),
      },
    },
  })
}
