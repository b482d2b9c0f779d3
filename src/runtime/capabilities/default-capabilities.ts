import { z } from 'zod'
import { isSocialProfile, normalizeProfile, socialProfileSchema } from '../../kit/index.js'
import type { Capability, Connector } from '../../kit/index.js'
import { schemeRecordOf } from '../schemes/index.js'
import { callProvider, pickValue } from '../fetch/provider-call.js'
import type { FetchLike } from '../fetch/provider-call.js'

const validateResponse = z.object({
  valid: z.boolean(),
  unique_tenant_id: z.string().nullable(),
})

const userInfoResponse = z.object({
  account_name: z.string().nullable(),
  email: z.string().nullable(),
  profile: z.json(),
})

/**
 * Adds `validate_credentials` and `get_user_info` to a connector that declares `validate` or
 * `profile` but does not write these capabilities itself, so JSON connectors have them too; and
 * to OAuth 2 connectors, the OAuth module's capabilities.
 */
export function withDefaultCapabilities(
  connector: Connector,
  fetch: FetchLike,
  now: () => number = () => Math.floor(Date.now() / 1000),
): Connector {
  const { auth } = connector
  const capabilities = { ...connector.capabilities }
  const schemeCapabilities = schemeRecordOf(auth).capabilities?.(connector, auth, { fetch, now })
  for (const [name, capability] of Object.entries(schemeCapabilities ?? {})) {
    capabilities[name] ??= capability
  }
  const check = auth.validate ?? auth.profile?.request
  if (check !== undefined && !capabilities['validate_credentials']) {
    capabilities['validate_credentials'] = {
      description: 'Checks that the credentials are accepted by the provider',
      request: z.object({}),
      response: validateResponse,
      run: async (ctx) => {
        const env = { scheme: auth, ...ctx, fetch, authedFetch: ctx.fetch }
        const options = auth.validateError ? { describeFailure: auth.validateError } : {}
        const body = await callProvider(check, env, options)
        // The tenant id comes from the profile only when the profile request is what was checked.
        const tenant =
          auth.tenantId !== undefined
            ? pickValue(auth.tenantId, body)
            : !auth.validate && auth.profile
              ? pickValue(auth.profile.accountName, body)
              : null
        return { valid: true, unique_tenant_id: tenant }
      },
    } satisfies Capability
  }
  const profile = auth.profile
  if (profile && isSocialProfile(profile) && !capabilities['get_user_info']) {
    capabilities['get_user_info'] = {
      description:
        "Reads the signed-in user's normalized profile: the provider's id, verified email and phone only",
      request: z.object({}),
      response: socialProfileSchema,
      run: async (ctx) => {
        const env = { scheme: auth, ...ctx, fetch, authedFetch: ctx.fetch }
        const body = await callProvider(profile.request, env)
        const emails = profile.emails ? await callProvider(profile.emails.request, env) : undefined
        return normalizeProfile(profile, body, emails)
      },
    } satisfies Capability
  }
  if (profile && !capabilities['get_user_info']) {
    capabilities['get_user_info'] = {
      description: 'Reads the profile of the account behind the credentials',
      request: z.object({}),
      response: userInfoResponse,
      run: async (ctx) => {
        const body = await callProvider(profile.request, {
          scheme: auth,
          ...ctx,
          fetch,
          authedFetch: ctx.fetch,
        })
        return {
          account_name: pickValue(profile.accountName, body),
          email: pickValue(profile.email, body),
          profile: body,
        }
      },
    } satisfies Capability
  }
  return { ...connector, capabilities }
}
