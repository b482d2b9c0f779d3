import { z } from 'zod'
import type { JsonValue } from '../../errors.js'
import { isSocialProfile, normalizeProfile, socialProfileSchema, STANDARD_CAPABILITIES } from '../../kit/index.js'
import type { AuthScheme, Capability, CapabilityContext, Connector, JsonObject } from '../../kit/index.js'
import { schemeRecordOf } from '../schemes/index.js'
import { callProvider, pickValue } from '../fetch/provider-call.js'
import type { FetchLike } from '../fetch/provider-call.js'

const validateResponse = STANDARD_CAPABILITIES.validate_credentials.response

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
  const capabilities = { ...connector.capabilities }
  const added = addedCapabilities(connector, fetch, now)
  const disabled = new Set(connector.disabledCapabilities ?? [])
  for (const [name, capability] of Object.entries(added)) {
    if (!disabled.has(name)) capabilities[name] ??= capability
  }
  return { ...connector, capabilities }
}

/** Every capability Patchbay can add to this connector, before its own and its switches apply. */
function addedCapabilities(connector: Connector, fetch: FetchLike, now: () => number): Record<string, Capability> {
  const { auth } = connector
  const capabilities: Record<string, Capability> = {
    ...schemeRecordOf(auth).capabilities?.(connector, auth, { fetch, now }),
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
        return { valid: true, unique_tenant_id: await tenantOf(auth, body, ctx, fetch) }
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
  return capabilities
}

/**
 * The tenant the credentials belong to, never null: where the connector says (`tenantId`), else
 * the profile's account (in the checked answer, else read from the profile request), else the
 * host the settings point the connector at (`acme.freshdesk.com`), else the provider's own host.
 */
async function tenantOf(
  auth: AuthScheme,
  checked: unknown,
  ctx: CapabilityContext<JsonObject>,
  fetch: FetchLike,
): Promise<string> {
  if (auth.tenantId !== undefined) {
    const tenant = pickValue(auth.tenantId, checked as JsonValue)
    if (tenant !== null) return tenant
  }
  if (auth.profile) {
    const { accountName, id } = auth.profile
    const accountIn = (body: unknown) => pickValue(accountName, body as JsonValue) ?? pickValue(id, body as JsonValue)
    // The checked answer is often the profile itself (`/me`); only otherwise is the profile read.
    const account =
      accountIn(checked) ??
      (auth.validate
        ? accountIn(await callProvider(auth.profile.request, { scheme: auth, ...ctx, fetch, authedFetch: ctx.fetch }))
        : null)
    if (account !== null) return account
  }
  return hostOf(ctx.baseUrl) ?? hostOf(urlOf(auth.validate)) ?? 'default'
}

function hostOf(url: string | undefined): string | null {
  if (!url || !URL.canParse(url)) return null
  return new URL(url).host || null
}

function urlOf(property: AuthScheme['validate']): string | undefined {
  if (typeof property === 'string') return property
  return typeof property === 'object' && property !== null ? property.url : undefined
}
