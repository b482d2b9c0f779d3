import { z } from 'zod'
import { ERROR_CODES, PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import { apiKey, basic, oauth2 } from './auth-schemes.js'
import { defineConnector } from './define-connector.js'
import { oauth1 } from './oauth1-scheme.js'
import { DURATION_UNITS } from './duration.js'
import { EXPIRES_IN_UNITS } from '../common/index.js'
import type { AuthScheme, Connector, EntitlementType, JsonObject, ResourceType } from './types.js'
import type { DeclaredCapability } from './declared-capability.js'
import { SOCIAL_PICKERS } from './social-profile.js'
import { urlPolicyFromJsonSchema } from './url-policy.js'
import { settingsFromJsonSchema } from './json-settings.js'
import { webhooksJsonSchema } from './webhooks.js'

import { declaredCapabilitiesSchema } from './declared-capability-schema.js'
import { requestSpecSchema, stringMap, templatedString } from './request-spec-schema.js'

/** GraphQL-style errors in an answer's body (`ResponseErrorsSpec`). */
const responseErrorsSchema = z.strictObject({
  path: z.string().min(1),
  message: z.string().min(1).optional(),
  code: z.string().min(1).optional(),
  codes: z
    .record(
      z.string(),
      z.enum(['unauthorized', 'not_found', 'rate_limited', 'bad_request', 'timeout', 'provider_error']),
    )
    .optional(),
})

/** A request to the provider (validate, profile, login): may say where its body reports errors. */
const providerRequestSchema = z.union([
  templatedString,
  requestSpecSchema.extend({ errors: responseErrorsSchema.optional() }),
])

/**
 * The profile's pickers. `id` makes it a social profile (sign-in); `emailVerified` and
 * `phoneVerified` name the claim saying so (or `true` when the provider returns only verified
 * values), and `emails` reads a list of addresses instead (GitHub's `/user/emails`).
 */
const profileShape = {
  request: providerRequestSchema,
  accountName: z.string().optional(),
  email: z.string().optional(),
  id: z.string().min(1).optional(),
  emailVerified: z.union([z.string().min(1), z.boolean()]).optional(),
  phone: z.string().optional(),
  phoneVerified: z.union([z.string().min(1), z.boolean()]).optional(),
  name: z.string().optional(),
  avatar: z.string().optional(),
  emails: z
    .strictObject({
      request: providerRequestSchema,
      list: z.string().optional(),
      email: z.string().optional(),
      primary: z.string().optional(),
      verified: z.string().optional(),
    })
    .optional(),
}

/** A social picker without `id` cannot produce a profile: refused by name. */
function checkSocialPickers(profile: Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
  if (profile['id'] !== undefined) return
  for (const name of SOCIAL_PICKERS) {
    if (profile[name] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: "needs profile.id (the provider's stable user id)",
        path: [name],
      })
    }
  }
}

const profileSchema = z.strictObject(profileShape).superRefine(checkSocialPickers)

const authFieldSchema = z.strictObject({
  type: z.enum(['text', 'password', 'textarea', 'select']).optional(),
  label: z.string().optional(),
  tooltip: z.string().optional(),
  required: z.boolean().optional(),
  placeholder: z.string().optional(),
  options: z.array(z.strictObject({ value: z.string(), label: z.string() })).optional(),
})

/** Slack's `200 {"ok": false, "error": "invalid_auth"}`: see docs/provider-quirks.md. */
const bodyErrorSchema = z.strictObject({
  when: z.string().min(1),
  equals: z.json().optional(),
  error: z.string().min(1).optional(),
  codes: z.record(z.string(), z.enum(ERROR_CODES)).optional(),
})

const commonAuth = {
  validate: providerRequestSchema.optional(),
  bodyError: bodyErrorSchema.optional(),
  tenantId: z.string().min(1).optional(),
  profile: profileSchema.optional(),
  headers: stringMap.optional(),
  query: stringMap.optional(),
}

/** Seconds, or `{"value": 2, "unit": "hours"}`. */
const durationSchema = z.union([
  z.number().nonnegative(),
  z.strictObject({ value: z.number().nonnegative(), unit: z.enum(DURATION_UNITS) }),
])

const dotPath = z.string().min(1)
const tokenResponseSchema = z.strictObject({
  accessToken: dotPath.optional(),
  refreshToken: dotPath.optional(),
  expiresIn: dotPath.optional(),
  expiresAt: dotPath.optional(),
  tokenType: dotPath.optional(),
  scope: dotPath.optional(),
  idToken: dotPath.optional(),
  settings: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), dotPath).optional(),
  expiresInUnit: z.enum(EXPIRES_IN_UNITS).optional(),
})

/** OpenID Connect, revocation and a profile whose request may come from OIDC (OAuth 2 only). */
const oidcAuth = {
  oidc: z
    .strictObject({
      issuer: z.url({ protocol: /^https?$/ }),
      profile: z.enum(['claims', 'userinfo']).optional(),
    })
    .optional(),
  revocationUrl: templatedString.optional(),
  profile: z
    .strictObject({ ...profileShape, request: providerRequestSchema.optional() })
    .superRefine(checkSocialPickers)
    .optional(),
}

const oauth2Schema = z
  .strictObject({
    type: z.literal('oauth2'),
    grantType: z
      .enum(['authorization_code', 'client_credentials', 'refresh_token'])
      .default('authorization_code'),
    authorizationUrl: templatedString.optional(),
    tokenUrl: templatedString.optional(),
    refreshUrl: templatedString.optional(),
    scopes: z.array(z.string()).optional(),
    availableScopes: z.array(z.string().min(1)).optional(),
    scopeDelimiter: z.string().optional(),
    pkce: z.boolean().optional(),
    clientAuth: z
      .enum(['client_secret_post', 'client_secret_basic', 'client_secret_query'])
      .optional(),
    tokenRequest: z.enum(['form', 'json', 'query']).optional(),
    tokenMethod: z.enum(['POST', 'GET']).optional(),
    authorizationParams: stringMap.optional(),
    tokenParams: stringMap.optional(),
    refreshBeforeExpiry: durationSchema.optional(),
    requestAccessToken: requestSpecSchema.optional(),
    refreshAccessToken: requestSpecSchema.optional(),
    tokenResponse: tokenResponseSchema.optional(),
    ...commonAuth,
    ...oidcAuth,
  })
  .refine((auth) => auth.grantType !== 'authorization_code' || auth.authorizationUrl || auth.oidc, {
    message: 'authorizationUrl is required for the authorization_code grant',
    path: ['authorizationUrl'],
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  })
  .refine((auth) => auth.tokenUrl || auth.oidc, {
    message: 'tokenUrl is required unless oidc names an issuer',
    path: ['tokenUrl'],
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  })
  .refine((auth) => !auth.oidc || auth.grantType === 'authorization_code', {
    message: 'oidc needs the authorization_code grant',
    path: ['oidc'],
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  })
  .refine((auth) => !auth.profile || auth.profile.request !== undefined || auth.oidc, {
    message: 'profile.request is required unless oidc is set (the pickers then read the ID token)',
    path: ['profile', 'request'],
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  })
  .refine((auth) => !(auth.profile?.request !== undefined && auth.oidc?.profile !== undefined), {
    message: 'give either profile.request or oidc.profile, not both',
    path: ['oidc', 'profile'],
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  })

const apiKeySchema = z.strictObject({
  type: z.enum(['api_key', 'apiKey']),
  fields: z.record(z.string(), authFieldSchema).optional(),
  header: z.string().optional(),
  queryParam: z.string().optional(),
  ...commonAuth,
})

const basicSchema = z.strictObject({
  type: z.enum(['basic', 'pwd', 'password']),
  fields: z.record(z.string(), authFieldSchema).optional(),
  login: z
    .strictObject({
      request: providerRequestSchema,
      tokenPath: z.string(),
      expiresInPath: z.string().optional(),
      expiresInUnit: z.enum(EXPIRES_IN_UNITS).optional(),
      expiresAtPath: z.string().optional(),
      refreshBeforeExpiry: z.number().int().nonnegative().optional(),
    })
    .optional(),
  ...commonAuth,
})

const oauth1Schema = z.strictObject({
  type: z.enum(['oauth1', 'oauth']),
  requestTokenUrl: templatedString,
  authorizationUrl: templatedString,
  accessTokenUrl: templatedString,
  signatureMethod: z.enum(['HMAC-SHA1', 'HMAC-SHA256', 'RSA-SHA1', 'PLAINTEXT']).optional(),
  tokenMethod: z.enum(['POST', 'GET']).optional(),
  realm: z.string().optional(),
  ...commonAuth,
})

/** The JSON form of a connector: everything a connector without code can declare. */
export const connectorJsonSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "-" or "_"'),
  name: z.string().min(1),
  description: z.string().optional(),
  logoUrl: z.url().optional(),
  categories: z.array(z.string()).optional(),
  docsUrl: z.url().optional(),
  version: z.string().optional(),
  baseUrl: templatedString.optional(),
  /** `http:` for `format: "uri"` settings: `loopback` (this machine) or `any` (clear text). */
  allowHttp: z.enum(['loopback', 'any']).optional(),
  settings: z.record(z.string(), z.json()).refine((schema) => schema['type'] === 'object', {
    message: 'settings must be a JSON Schema of type "object"',
  }),
  auth: z.discriminatedUnion('type', [oauth2Schema, apiKeySchema, basicSchema, oauth1Schema]),
  /** Capabilities declared as templated requests (`http`), with mapping and pagination. */
  capabilities: declaredCapabilitiesSchema.optional(),
  /** The resource types `list_resources` lists and the entitlement types granted on them. */
  resourceTypes: z
    .array(z.strictObject({ id: z.string(), label: z.string(), description: z.string().optional() }))
    .optional(),
  entitlementTypes: z
    .array(
      z.strictObject({
        id: z.string(),
        label: z.string(),
        resourceType: z.string(),
        description: z.string().optional(),
        min: z.number().int().nonnegative().optional(),
        max: z.number().int().positive().optional(),
      }),
    )
    .optional(),
  /** Capabilities Patchbay would add that this connector leaves out. */
  disabledCapabilities: z.array(z.string()).optional(),
  webhooks: webhooksJsonSchema.optional(),
  connectButton: z
    .strictObject({ image: z.string().optional(), label: z.string().optional() })
    .optional(),
})

export type ConnectorJson = z.input<typeof connectorJsonSchema>

/** Lists every problem of a zod failure as `path: message`, the path dotted from `prefix`. */
export function describeIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.')
    return `${path || '(root)'}: ${issue.message}`
  })
}

/**
 * Builds a connector from its JSON form.
 * @throws PatchbayError `invalid_config` listing every wrong field by its path
 */
export function connectorFromJson(json: unknown): Connector<JsonObject> {
  const parsed = connectorJsonSchema.safeParse(json)
  if (!parsed.success) {
    const problems = describeIssues(parsed.error)
    throw new PatchbayError('invalid_config', `Invalid connector: ${problems.join('; ')}`, {
      details: { problems },
    })
  }
  const definition = parsed.data
  let settings: z.ZodType<JsonObject>
  try {
    settings = settingsFromJsonSchema(definition.settings)
  } catch (cause) {
    throw new PatchbayError('invalid_config', 'Invalid connector: settings is not a usable JSON Schema', {
      cause,
      details: { problems: ['settings: not a usable JSON Schema'] },
    })
  }
  const connector = defineConnector<JsonObject>({
    id: definition.id,
    name: definition.name,
    ...(definition.description === undefined ? {} : { description: definition.description }),
    ...(definition.logoUrl === undefined ? {} : { logoUrl: definition.logoUrl }),
    ...(definition.docsUrl === undefined ? {} : { docsUrl: definition.docsUrl }),
    ...(definition.version === undefined ? {} : { version: definition.version }),
    ...(definition.baseUrl === undefined ? {} : { baseUrl: definition.baseUrl }),
    ...(definition.allowHttp === undefined ? {} : { allowHttp: definition.allowHttp }),
    ...(definition.webhooks === undefined ? {} : { webhooks: definition.webhooks }),
    ...(definition.capabilities === undefined
      ? {}
      : { capabilities: declaredCapabilitiesOf(definition.capabilities) }),
    ...(definition.connectButton === undefined
      ? {}
      : { connectButton: dropUndefined(definition.connectButton) }),
    ...(definition.resourceTypes === undefined ? {} : { resourceTypes: definition.resourceTypes.map(dropUndefined) as unknown as ResourceType[] }),
    ...(definition.entitlementTypes === undefined
      ? {}
      : { entitlementTypes: definition.entitlementTypes.map(dropUndefined) as unknown as EntitlementType[] }),
    ...(definition.disabledCapabilities === undefined
      ? {}
      : { disabledCapabilities: definition.disabledCapabilities }),
    categories: definition.categories ?? [],
    settings,
    auth: authFromJson(definition.auth),
  })
  const urlPolicy = urlPolicyFromJsonSchema(definition.settings as JsonObject, definition.allowHttp)
  return { ...connector, auth: { ...connector.auth, urlPolicy } }
}

/** The declared capabilities, each request and response schema checked where it is written. */
function declaredCapabilitiesOf(
  capabilities: z.output<typeof declaredCapabilitiesSchema>,
): Record<string, DeclaredCapability> {
  const problems: string[] = []
  for (const [name, capability] of Object.entries(capabilities)) {
    for (const part of ['request', 'response'] as const) {
      if (capability[part] === undefined) continue
      try {
        z.fromJSONSchema(capability[part] as never)
      } catch {
        problems.push(`capabilities.${name}.${part}: not a usable JSON Schema`)
      }
    }
  }
  if (problems.length > 0) {
    throw new PatchbayError('invalid_config', `Invalid connector: ${problems.join('; ')}`, { details: { problems } })
  }
  return capabilities as Record<string, DeclaredCapability>
}

function authFromJson(auth: z.output<typeof connectorJsonSchema>['auth']): AuthScheme {
  const { type, ...rest } = auth
  const options = dropUndefined(rest) as Record<string, unknown>
  if (type === 'oauth2') return oauth2(options as unknown as Parameters<typeof oauth2>[0])
  if (type === 'api_key' || type === 'apiKey') return apiKey(options)
  if (type === 'oauth1' || type === 'oauth') {
    return oauth1(options as unknown as Parameters<typeof oauth1>[0])
  }
  return basic(options)
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))
}

/** Type guard for a JSON object value. */
export function isJsonObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
