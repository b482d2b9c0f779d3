import { z } from 'zod'
import { defineConnector, oauth2 } from '../src/index.js'

/** A GitHub connector: OAuth 2 with PKCE, the user's login as the account name. */
export const github = defineConnector({
  id: 'github',
  name: 'GitHub',
  description: 'Repositories, issues and organizations',
  categories: ['developers'],
  docsUrl: 'https://docs.github.com/en/rest',
  baseUrl: 'https://api.github.com',
  settings: z.object({ org: z.string().describe('Organization login') }),
  auth: oauth2({
    authorizationUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    scopes: ['read:user', 'user:email'],
    clientAuth: 'client_secret_post',
    profile: { request: '/user', accountName: 'login', email: 'email' },
    validate: '/user',
    validateError: (failure) =>
      failure.status === 401 ? 'GitHub no longer accepts this token; connect again' : undefined,
  }),
  capabilities: {
    list_repos: {
      description: "Lists the organization's repositories",
      request: z.object({}),
      response: z.array(z.object({ name: z.string(), private: z.boolean() })),
      run: async (ctx) => {
        const repos = await ctx.fetchJson<{ name: string; private: boolean }[]>(
          `/orgs/${encodeURIComponent(ctx.settings.org)}/repos`,
        )
        return repos.map(({ name, private: isPrivate }) => ({ name, private: isPrivate }))
      },
    },
  },
})
