import { z } from 'zod'
import { PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import { getPath } from '../common/index.js'
import type { TemplateScopes } from '../common/index.js'
import { buildSpecRequest } from './request-spec.js'
import { Paginated } from './types.js'
import type { Capability, CapabilityContext, JsonObject, PageInfo, RequestSpec } from './types.js'
import type { UrlPolicy } from './url-template.js'

/**
 * How a provider pages a list, declared:
 * - `cursor`: the next page's cursor is read at `nextCursorPath` and sent back as `cursorParam`;
 * - `link`: the `Link: <…>; rel="next"` header holds the next page's URL (kept on the base URL's origin);
 * - `offset`: `offsetParam` counts items skipped, `limitParam` the page size;
 * - `page`: `pageParam` numbers pages from `firstPage` (default 1), `sizeParam` the page size.
 * Offset and page end on a short page, or when `hasMorePath` reads false, or at `totalPath`.
 */
export type DeclaredPagination =
  | { type: 'cursor'; cursorParam: string; nextCursorPath: string; sizeParam?: string }
  | { type: 'link'; sizeParam?: string }
  | { type: 'offset'; offsetParam: string; limitParam: string; totalPath?: string; hasMorePath?: string }
  | { type: 'page'; pageParam: string; sizeParam?: string; firstPage?: number; totalPath?: string; hasMorePath?: string }

/** Where the answer is in the provider's JSON, and which fields to keep under which names. */
export interface DeclaredResult {
  /** A dot path into the body (`data.users`); the whole body when absent. */
  path?: string
  /** Output name → dot path in each item (or in the object): `{"email": "profile.email"}`. */
  fields?: Record<string, string>
}

/** A capability written as a request, with no code. */
export interface DeclaredCapability {
  description?: string
  /** No `run`: the request below is the capability. */
  run?: never
  /** JSON Schema of the request (an object); `{}` accepted when absent. */
  request?: JsonObject
  /** JSON Schema of the response; not checked when absent. */
  response?: JsonObject
  scopes?: string[]
  /** The provider request: `{{request.name}}`, `{{settings.name}}` (or `{{name}}`), `{{page.size}}`. */
  http: RequestSpec
  result?: DeclaredResult
  pagination?: DeclaredPagination
  /** Page size when the caller gives none. */
  defaultPageSize?: number
}

const DEFAULT_PAGE_SIZE = 50

/** The JSON Schema → zod step; a schema that cannot be used is a definition error. */
function schemaOf(json: JsonObject | undefined, fallback: z.ZodType, where: string): z.ZodType {
  if (json === undefined) return fallback
  try {
    return z.fromJSONSchema(json as never)
  } catch (cause) {
    throw new PatchbayError('invalid_config', `${where} is not a usable JSON Schema`, {
      cause,
      details: { problems: [`${where}: not a usable JSON Schema`] },
    })
  }
}

/** A query value that is one placeholder with no value drops its parameter instead of failing. */
function optionalQuery(query: Record<string, string> | undefined, scopes: TemplateScopes): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [name, value] of Object.entries(query ?? {})) {
    const lone = /^\{\{\s*([A-Za-z0-9_.$-]+)\s*\}\}$/.exec(value)
    if (lone && scopes.every((scope) => getPath(scope, lone[1] as string) == null)) continue
    kept[name] = value
  }
  return kept
}

/** The `rel="next"` URL of a Link header (RFC 8288), or null. */
export function nextLink(header: string | null): string | null {
  if (!header) return null
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part)
    if (match && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(match[2] as string)) return match[1] as string
  }
  return null
}

function pick(item: JsonValue, fields: Record<string, string> | undefined): JsonValue {
  if (!fields) return item
  const out: { [key: string]: JsonValue } = {}
  for (const [name, path] of Object.entries(fields)) out[name] = (getPath(item, path) as JsonValue | undefined) ?? null
  return out
}

/** Applies `result`: the path into the body, then the field mapping on each item. */
function mapResult(body: JsonValue, result: DeclaredResult | undefined): JsonValue {
  const selected = result?.path ? ((getPath(body, result.path) as JsonValue | undefined) ?? null) : body
  if (Array.isArray(selected)) return selected.map((item) => pick(item, result?.fields))
  return selected === null ? null : pick(selected, result?.fields)
}

const count = (value: JsonValue): number => (Array.isArray(value) ? value.length : 0)

/** The page parameters to send and how to read the next page's token from an answer. */
function pageParams(pagination: DeclaredPagination, page: PageInfo | null, size: number): Record<string, string> {
  const token = page?.token ?? null
  const sized = (name: string | undefined) => (name ? { [name]: String(size) } : {})
  switch (pagination.type) {
    case 'cursor':
      return { ...sized(pagination.sizeParam), ...(token ? { [pagination.cursorParam]: token } : {}) }
    case 'link':
      return token ? {} : sized(pagination.sizeParam)
    case 'offset':
      return { [pagination.limitParam]: String(size), [pagination.offsetParam]: token ?? '0' }
    case 'page':
      return { ...sized(pagination.sizeParam), [pagination.pageParam]: token ?? String(pagination.firstPage ?? 1) }
  }
}

function isFalse(body: JsonValue, path: string | undefined): boolean {
  return path !== undefined && getPath(body, path) === false
}

function nextToken(
  pagination: DeclaredPagination,
  answer: { body: JsonValue; headers: Headers },
  items: number,
  token: string | null,
  size: number,
): string | null {
  switch (pagination.type) {
    case 'cursor': {
      const next = getPath(answer.body, pagination.nextCursorPath)
      return next === undefined || next === null || next === '' ? null : String(next)
    }
    case 'link':
      return nextLink(answer.headers.get('link'))
    case 'offset': {
      const next = Number(token ?? 0) + items
      const total = pagination.totalPath ? Number(getPath(answer.body, pagination.totalPath)) : NaN
      if (items === 0 || items < size || isFalse(answer.body, pagination.hasMorePath)) return null
      return Number.isFinite(total) && next >= total ? null : String(next)
    }
    case 'page': {
      const current = Number(token ?? pagination.firstPage ?? 1)
      const total = pagination.totalPath ? Number(getPath(answer.body, pagination.totalPath)) : NaN
      if (items === 0 || items < size || isFalse(answer.body, pagination.hasMorePath)) return null
      return Number.isFinite(total) && current >= total ? null : String(current + 1)
    }
  }
}

/** One page of a provider's own pagination, as a `run` function walks it. */
export interface ProviderPager {
  /** The page size asked for (the caller's, else the default). */
  size: number
  /** The caller's page token; null on the first page. */
  token: string | null
  /**
   * Where this page is: `url` with the provider's page parameters set, or, for `link`
   * pagination past the first page, the token's URL (refused when it leaves `baseUrl`'s origin).
   */
  url(url: string, baseUrl: string): string
  /** The page to answer with, read from the provider's answer and the items kept; null at the end. */
  next(answer: { body: JsonValue; headers: Headers }, items: number): PageInfo | null
}

/**
 * Walks a provider's pagination for a `run` function, the way declared capabilities do: the
 * envelope's `page: {token, size}` in, the provider's parameters out, the next token read back.
 * @example
 * const pager = providerPager({ type: 'cursor', cursorParam: 'after', nextCursorPath: 'next' }, ctx.page)
 * const answer = await ctx.fetchJsonResponse(pager.url('/users', ctx.baseUrl))
 * return new Paginated(users, pager.next(answer, users.length))
 */
export function providerPager(
  pagination: DeclaredPagination,
  page: PageInfo | null,
  defaultSize: number = DEFAULT_PAGE_SIZE,
): ProviderPager {
  const size = page?.size ?? defaultSize
  const token = page?.token ?? null
  return {
    size,
    token,
    url(url, baseUrl) {
      if (pagination.type === 'link' && token) {
        const next = new URL(token, baseUrl)
        if (next.origin !== new URL(baseUrl).origin) {
          throw new PatchbayError('bad_request', "The page token does not point at this connector's API", {
            details: { problems: ['page.token: another origin'] },
          })
        }
        return next.href
      }
      const target = new URL(url, baseUrl)
      for (const [name, value] of Object.entries(pageParams(pagination, page, size))) {
        target.searchParams.set(name, value)
      }
      return target.href
    },
    next(answer, items) {
      const next = nextToken(pagination, answer, items, token, size)
      return next === null ? null : { token: next, size }
    },
  }
}

/**
 * Turns a declared capability into one the runtime runs: the request is built from templates
 * (URL values checked and encoded for their position under `policy`), sent with the connection's
 * credentials, and the answer mapped and paged. A `link` page token must stay on the base URL's
 * origin, so a provider's header cannot send the credentials elsewhere.
 */
export function declaredCapability(declared: DeclaredCapability, policy?: UrlPolicy): Capability {
  const request = schemaOf(declared.request, z.looseObject({}), 'request')
  const response = schemaOf(declared.response, z.json(), 'response')
  return {
    ...(declared.description === undefined ? {} : { description: declared.description }),
    ...(declared.scopes === undefined ? {} : { scopes: declared.scopes }),
    request,
    response,
    declaredUrl: declared.http.url,
    paginated: declared.pagination !== undefined,
    run: async (ctx: CapabilityContext, input: unknown) => {
      const pagination = declared.pagination
      const pager = pagination ? providerPager(pagination, ctx.page, declared.defaultPageSize) : null
      const size = pager?.size ?? ctx.page?.size ?? declared.defaultPageSize ?? DEFAULT_PAGE_SIZE
      const scopes: TemplateScopes = [
        { request: input, settings: ctx.settings, page: { size, token: ctx.page?.token ?? null } },
        ctx.settings as Record<string, unknown>,
      ]
      const spec = { ...declared.http, query: optionalQuery(declared.http.query, scopes) }
      const built = buildSpecRequest(spec, scopes, ctx.baseUrl, policy)
      const url = pager ? pager.url(built.url, ctx.baseUrl) : built.url
      const body = built.body === null ? undefined : await built.text()
      const answer = await ctx.fetchJsonResponse(url, {
        method: built.method,
        headers: built.headers,
        ...(body === undefined ? {} : { body }),
      })
      const mapped = mapResult(answer.body, declared.result)
      if (!pager) return mapped
      return new Paginated(mapped, pager.next(answer, count(mapped)))
    },
  }
}

/** A capability value that is declared (has `http`, no `run`). */
export function isDeclaredCapability(value: unknown): value is DeclaredCapability {
  return typeof value === 'object' && value !== null && 'http' in value && !('run' in value && (value as { run?: unknown }).run)
}
