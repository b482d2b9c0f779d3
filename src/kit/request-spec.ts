import { PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import { renderDeep, renderRecord } from '../common/index.js'
import type { TemplateScopes } from '../common/index.js'
import type { RequestSpec } from './types.js'
import { renderUrlTemplate, STRICT_URL_POLICY } from './url-template.js'
import type { UrlPolicy } from './url-template.js'

/**
 * Resolves a possibly relative URL against a base URL, keeping the base's path
 * (`https://api.x.test/v2` + `/me` → `https://api.x.test/v2/me`).
 */
export function resolveUrl(url: string, baseUrl: string): URL {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return new URL(url)
  if (!baseUrl) throw new TypeError(`Relative URL "${url}" needs a connector baseUrl`)
  const base = new URL(baseUrl)
  const basePath = base.pathname.replace(/\/+$/, '')
  const [pathPart, queryPart] = splitOnce(url, '?')
  const joined = new URL(base.origin)
  joined.pathname = `${basePath}/${pathPart.replace(/^\/+/, '')}`
  if (queryPart !== undefined) joined.search = queryPart
  return joined
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator)
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)]
}

/**
 * Turns a declared request into a Web `Request`, filling its templates from `scopes`: the URL
 * through `renderUrlTemplate` (each value checked and encoded for its position, under `policy`),
 * query values through `URLSearchParams`, headers and body as they are.
 */
export function buildSpecRequest(
  spec: RequestSpec | string,
  scopes: TemplateScopes,
  baseUrl: string,
  policy: UrlPolicy = STRICT_URL_POLICY,
): Request {
  const declared: RequestSpec = typeof spec === 'string' ? { url: spec } : spec
  const url = resolveUrl(renderUrlTemplate(declared.url, scopes, policy), baseUrl)
  for (const [key, value] of Object.entries(renderRecord(declared.query ?? {}, scopes))) {
    url.searchParams.set(key, value)
  }
  const headers = new Headers(headerValues(renderRecord(declared.headers ?? {}, scopes)))
  const method = (declared.method ?? 'GET').toUpperCase()
  let body: string | undefined
  if (declared.body !== undefined && method !== 'GET' && method !== 'HEAD') {
    const rendered = renderDeep(declared.body, scopes)
    if (declared.bodyType === 'form') {
      body = new URLSearchParams(formEntries(rendered)).toString()
      if (!headers.has('content-type')) {
        headers.set('content-type', 'application/x-www-form-urlencoded')
      }
    } else {
      body = JSON.stringify(rendered)
      if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    }
  }
  if (!headers.has('accept')) headers.set('accept', 'application/json')
  return new Request(url, { method, headers, ...(body === undefined ? {} : { body }) })
}

/** A value with CR or LF would start a new header line; refuse it as bad input, not a crash. */
function headerValues(record: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(record)) {
    if (/[\r\n\0]/.test(value)) {
      throw new PatchbayError('bad_request', `Header "${name}" would hold a line break`, {
        details: { problems: [`headers.${name}: no CR, LF or NUL`] },
      })
    }
  }
  return record
}

function formEntries(value: JsonValue): [string, string][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError('A form body must be an object')
  }
  return Object.entries(value).map(([key, item]) => [
    key,
    typeof item === 'string' ? item : JSON.stringify(item),
  ])
}
