import { z } from 'zod'
import { PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import { getPath } from '../common/index.js'
import type { EmailListSpec, ProfileSpec, ValuePicker, VerifiedPicker } from './types.js'

/**
 * The profile a social connector's `get_user_info` returns, Logto's user profile in snake_case:
 * the provider's stable `id` as a string, and an email or phone only when the provider says it
 * is verified. `raw` is the provider's answer as it came.
 */
export const socialProfileSchema = z.strictObject({
  id: z.string().min(1),
  email: z.string().min(1).optional(),
  email_verified: z.boolean(),
  phone: z.string().min(1).optional(),
  phone_verified: z.boolean(),
  name: z.string().min(1).optional(),
  avatar: z.string().min(1).optional(),
  raw: z.json(),
})

/** A normalized social profile (see {@link socialProfileSchema}). */
export type SocialProfile = z.infer<typeof socialProfileSchema>

/** The profile pickers that only a social (sign-in) profile uses; any of them needs `id`. */
export const SOCIAL_PICKERS = [
  'emailVerified',
  'phone',
  'phoneVerified',
  'name',
  'avatar',
  'emails',
] as const

/** True when a profile declares the social mapping (its `id` picker), so it can sign users in. */
export function isSocialProfile(profile: ProfileSpec | undefined): boolean {
  return profile?.id !== undefined
}

/**
 * Checks a profile declaration: a social picker without `id` cannot produce a profile, and an
 * `emails` list needs its request.
 * @returns the problems, as `profile.<field>: words`
 */
export function profileProblems(profile: Partial<ProfileSpec> | undefined): string[] {
  if (!profile) return []
  const problems: string[] = []
  if (profile.id === undefined) {
    for (const name of SOCIAL_PICKERS) {
      if (profile[name] !== undefined) {
        problems.push(`profile.${name}: needs profile.id (the provider's stable user id)`)
      }
    }
  }
  if (profile.emails !== undefined && profile.emails.request === undefined) {
    problems.push('profile.emails.request: required')
  }
  return problems
}

function pickText(picker: ValuePicker | undefined, body: JsonValue): string | undefined {
  if (picker === undefined) return undefined
  const value = typeof picker === 'function' ? picker(body) : getPath(body, picker)
  if (typeof value === 'string' && value !== '') return value
  // GitHub's user id is a number; the profile's id is always a string.
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

/**
 * Whether the provider says a value is verified: a claim read by path (`true`, the string
 * `"true"` or the number 1, as some providers send it), `true` for providers that only ever return verified
 * values, or a function. Absent: not verified.
 */
function isVerified(picker: VerifiedPicker | undefined, body: JsonValue): boolean {
  if (picker === undefined || picker === false) return false
  if (picker === true) return true
  const value = typeof picker === 'function' ? picker(body) : getPath(body, picker)
  // Zoom's `verified` is 1 or 0.
  return value === true || value === 'true' || value === 1
}

/**
 * The primary verified address of an email list such as GitHub's `GET /user/emails`
 * (`[{email, primary, verified}]`); undefined when there is none.
 */
export function primaryVerifiedEmail(spec: EmailListSpec, answer: JsonValue): string | undefined {
  const list = spec.list ? getPath(answer, spec.list) : answer
  if (!Array.isArray(list)) {
    throw new PatchbayError('invalid_response', 'The email list request did not answer a list')
  }
  for (const entry of list) {
    const email = getPath(entry, spec.email ?? 'email')
    if (
      typeof email === 'string' &&
      email !== '' &&
      getPath(entry, spec.primary ?? 'primary') === true &&
      getPath(entry, spec.verified ?? 'verified') === true
    ) {
      return email
    }
  }
  return undefined
}

/**
 * Turns a provider's profile answer into the normalized social profile: the id as a string, an
 * email or phone only when the provider says it is verified (from `emails` when declared: the
 * primary verified address), a name and an avatar when present.
 * @param emails the answer of `profile.emails.request`, when the profile declares one
 * @throws PatchbayError `invalid_response` when the answer carries no id
 */
export function normalizeProfile(
  spec: ProfileSpec,
  body: JsonValue,
  emails?: JsonValue,
): SocialProfile {
  const id = pickText(spec.id, body)
  if (id === undefined) {
    throw new PatchbayError('invalid_response', "The provider's profile carries no user id", {
      details: { field: typeof spec.id === 'string' ? spec.id : 'id' },
    })
  }
  const email =
    spec.emails !== undefined
      ? emails === undefined
        ? undefined
        : primaryVerifiedEmail(spec.emails, emails)
      : isVerified(spec.emailVerified, body)
        ? pickText(spec.email, body)
        : undefined
  const phone = isVerified(spec.phoneVerified, body) ? pickText(spec.phone, body) : undefined
  const name = pickText(spec.name, body)
  const avatar = pickText(spec.avatar, body)
  return {
    id,
    ...(email === undefined ? {} : { email }),
    email_verified: email !== undefined,
    ...(phone === undefined ? {} : { phone }),
    phone_verified: phone !== undefined,
    ...(name === undefined ? {} : { name }),
    ...(avatar === undefined ? {} : { avatar }),
    raw: body,
  }
}
