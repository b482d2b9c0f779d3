import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'

/**
 * Where the dashboard's cookies go, decided once from Patchbay's public URL: over https they are
 * `__Host-` cookies (Secure, `Path=/`, no `Domain`); over plain http (loopback in development) a
 * browser refuses `Secure` and so the prefix, and they are plain HttpOnly cookies. Both are
 * SameSite=Strict: no other site's page or link ever sends them.
 */
export interface DashboardCookiePolicy {
  secure: boolean
}

const SESSION_COOKIE = 'patchbay-dashboard'
const SIGNIN_COOKIE = 'patchbay-dashboard-signin'
/** The sign-in form's own token lives as long as someone may take to type a key. */
const SIGNIN_COOKIE_SECONDS = 1800

type CookieOptions = NonNullable<Parameters<typeof setCookie>[3]>

/** The policy for a server whose public URL is `publicUrl`. */
export function dashboardCookiePolicy(publicUrl: string): DashboardCookiePolicy {
  return { secure: new URL(publicUrl).protocol === 'https:' }
}

function options(policy: DashboardCookiePolicy, maxAge?: number): CookieOptions {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    ...(policy.secure ? { secure: true, prefix: 'host' as const } : {}),
    ...(maxAge === undefined ? {} : { maxAge }),
  }
}

function read(c: Context, policy: DashboardCookiePolicy, name: string): string | undefined {
  return policy.secure ? getCookie(c, name, 'host') : getCookie(c, name)
}

/** Hands the browser its session token, for as long as the session lives. */
export function setSessionCookie(c: Context, policy: DashboardCookiePolicy, token: string, maxAge: number): void {
  setCookie(c, SESSION_COOKIE, token, options(policy, maxAge))
}

/** The session token the browser presents, or ''. */
export function sessionTokenOf(c: Context, policy: DashboardCookiePolicy): string {
  return read(c, policy, SESSION_COOKIE) ?? ''
}

export function clearSessionCookie(c: Context, policy: DashboardCookiePolicy): void {
  deleteCookie(c, SESSION_COOKIE, options(policy))
}

/**
 * The CSRF token of a session: an HMAC of a fixed label under the session's own token, so it is
 * tied to the session, needs no storage, and no one without the cookie can compute it.
 */
export function csrfTokenOf(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('patchbay dashboard csrf').digest('base64url')
}

/** Compares a presented token with the expected one in constant time. */
export function sameToken(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string' || expected === '') return false
  const a = Buffer.from(presented)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * The sign-in form's token (double-submit: a cookie and a hidden field that must match), so a
 * page elsewhere cannot sign a browser in to someone else's session (login CSRF). Made once and
 * reused while the cookie lives.
 */
export function signInToken(c: Context, policy: DashboardCookiePolicy): string {
  const existing = read(c, policy, SIGNIN_COOKIE)
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing
  const token = randomBytes(32).toString('base64url')
  setCookie(c, SIGNIN_COOKIE, token, options(policy, SIGNIN_COOKIE_SECONDS))
  return token
}

/** Whether a sign-in form's field matches its cookie. */
export function signInTokenMatches(c: Context, policy: DashboardCookiePolicy, presented: unknown): boolean {
  return sameToken(presented, read(c, policy, SIGNIN_COOKIE) ?? '')
}
