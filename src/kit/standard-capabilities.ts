import { z } from 'zod'
import { sendMessageRequestSchema, sendMessageResponseSchema } from './messaging.js'

/**
 * The standard capabilities: names every connector means the same thing by, with one request
 * and one response schema each, so a caller can drive any connector's accounts, resources and
 * entitlements without reading its code (Lumos' capability list, in Patchbay's JSON words).
 * A connector's capability of a standard name must answer the standard response; it may take
 * and return more (the objects are open), never less.
 */

/** Where an account stands at the provider. */
export const ACCOUNT_STATUSES = ['active', 'inactive', 'suspended', 'deprovisioned', 'pending', 'deleted'] as const

const optionalText = z.string().nullable().optional()
const extraData = z.record(z.string(), z.json()).nullable().optional()

/** An account (a user) at the provider, as the account capabilities return it. */
export const accountSchema = z.looseObject({
  /** The provider's own id for the account, stable across renames. */
  integration_specific_id: z.string().min(1),
  email: optionalText,
  given_name: optionalText,
  family_name: optionalText,
  username: optionalText,
  user_status: z.enum(ACCOUNT_STATUSES).nullable().optional(),
  extra_data: extraData,
})

/** A thing accounts get access to (a workspace, a repository, a group), of a declared type. */
export const resourceSchema = z.looseObject({
  integration_specific_id: z.string().min(1),
  resource_type: z.string().min(1),
  label: optionalText,
  extra_data: extraData,
})

/** A grant on a resource (a role, a membership), of a declared entitlement type. */
export const entitlementSchema = z.looseObject({
  integration_specific_id: z.string().min(1),
  integration_specific_resource_id: z.string().min(1),
  entitlement_type: z.string().min(1),
  label: optionalText,
  description: optionalText,
  is_assignable: z.boolean().nullable().optional(),
  extra_data: extraData,
})

const accountId = z.looseObject({ account_id: z.string().min(1) })
const accountState = z.looseObject({ account_id: z.string().min(1), status: z.enum(ACCOUNT_STATUSES) })
const grant = z.looseObject({
  account_integration_specific_id: z.string().min(1),
  resource_type: z.string().min(1),
  resource_integration_specific_id: z.string().min(1),
  entitlement_type: z.string().min(1),
  entitlement_integration_specific_id: z.string().min(1),
})

/** One standard capability: what it does, its schemas, and whether it answers in pages. */
export interface StandardCapability {
  description: string
  request: z.ZodType
  response: z.ZodType
  /** Answers a page at a time: `page: {token, size}` in, the next page's out. */
  paginated: boolean
  /** Added by Patchbay to OAuth 2 connectors (the OAuth module); switched off per connector. */
  oauth?: boolean
}

const standard = (
  description: string,
  request: z.ZodType,
  response: z.ZodType,
  paginated = false,
): StandardCapability => ({ description, request, response, paginated })

/** OAuth module capabilities: their schemas live with the runtime that adds them. */
const oauth = (description: string): StandardCapability => ({
  description,
  request: z.looseObject({}),
  response: z.looseObject({}),
  paginated: false,
  oauth: true,
})

/** The registry, by name. */
export const STANDARD_CAPABILITIES = {
  validate_credentials: standard(
    'Checks that the credentials are accepted, and names the tenant they belong to',
    z.looseObject({}),
    z.looseObject({ valid: z.boolean(), unique_tenant_id: z.string().min(1) }),
  ),
  get_user_info: standard(
    'Reads the profile of the account behind the credentials',
    z.looseObject({}),
    z.looseObject({ email: z.string().nullable().optional() }),
  ),
  list_accounts: standard('Lists the accounts, a page at a time', z.looseObject({}), z.array(accountSchema), true),
  get_account: standard('Reads one account', accountId, accountSchema),
  create_account: standard(
    'Creates an account',
    z.looseObject({
      email: optionalText,
      given_name: optionalText,
      family_name: optionalText,
      username: optionalText,
      extra_data: extraData,
    }),
    accountSchema,
  ),
  delete_account: standard('Deletes an account', accountId, accountState),
  activate_account: standard('Lets an account sign in again', accountId, accountState),
  deactivate_account: standard('Stops an account from signing in, keeping it', accountId, accountState),
  list_resources: standard(
    'Lists the resources of one declared type, a page at a time',
    z.looseObject({ resource_type: z.string().min(1) }),
    z.array(resourceSchema),
    true,
  ),
  list_entitlements: standard(
    "Lists the entitlements on one resource, a page at a time",
    z.looseObject({ resource_type: z.string().min(1), resource_integration_specific_id: z.string().min(1) }),
    z.array(entitlementSchema),
    true,
  ),
  assign_entitlement: standard(
    'Grants an account an entitlement',
    grant,
    z.looseObject({ assigned: z.boolean() }),
  ),
  unassign_entitlement: standard(
    'Takes an entitlement away from an account',
    grant,
    z.looseObject({ unassigned: z.boolean() }),
  ),
  send_message: standard(
    'Sends a message from a template (passwordless codes)',
    sendMessageRequestSchema,
    sendMessageResponseSchema,
  ),
  get_authorization_url: oauth('Builds the URL that sends the user to the consent screen'),
  handle_authorization_callback: oauth("Exchanges the callback's code for tokens"),
  refresh_access_token: oauth('Trades a refresh token for new tokens'),
  handle_client_credentials_request: oauth('Requests a token for the client itself'),
} satisfies Record<string, StandardCapability>

export type StandardCapabilityName = keyof typeof STANDARD_CAPABILITIES

/** The registry's entry for a name, or undefined for a connector's own capability. */
export function standardCapabilityOf(name: string): StandardCapability | undefined {
  return Object.hasOwn(STANDARD_CAPABILITIES, name)
    ? STANDARD_CAPABILITIES[name as StandardCapabilityName]
    : undefined
}

/** The account, resource and entitlement shapes, as TypeScript types for `run` functions. */
export type Account = z.infer<typeof accountSchema>
export type Resource = z.infer<typeof resourceSchema>
export type Entitlement = z.infer<typeof entitlementSchema>

/**
 * A standard capability's schemas applied to a connector's capability of that name: a missing
 * request or response schema is the standard one; a schema of the connector's own must also let
 * through only what the standard one accepts, so `info` shows the connector's words and the
 * caller still gets the standard shape.
 */
export function withStandardSchemas<C extends { request?: z.ZodType; response?: z.ZodType }>(
  name: string,
  capability: C,
): C & { request: z.ZodType; response: z.ZodType } {
  const standard = standardCapabilityOf(name)
  if (!standard || standard.oauth) {
    if (!capability.request || !capability.response) {
      throw new TypeError(`capability "${name}" needs request and response schemas (it is not a standard capability)`)
    }
    return capability as C & { request: z.ZodType; response: z.ZodType }
  }
  return {
    ...capability,
    request: capability.request ? conforming(capability.request, standard.request) : standard.request,
    response: capability.response ? conforming(capability.response, standard.response) : standard.response,
  }
}

/** `own`, refusing values the standard schema refuses, each problem named by its path. */
function conforming(own: z.ZodType, standard: z.ZodType): z.ZodType {
  if (own === standard) return own
  return own.superRefine((value, ctx) => {
    const checked = standard.safeParse(value)
    if (checked.success) return
    for (const issue of checked.error.issues) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: `${issue.message} (standard capability)` })
    }
  })
}
