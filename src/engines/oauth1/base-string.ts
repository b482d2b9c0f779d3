import { percentEncode } from './percent-encode.js'

/** A request parameter as a name and value pair; names may repeat. */
export type ParamPair = readonly [name: string, value: string]

/** Request parameters as pairs, or as an object whose array values stand for repeated names. */
export type ParamsInput = Iterable<ParamPair> | Readonly<Record<string, string | readonly string[]>>

/** Turns parameters given as pairs or as an object into pairs, keeping repeated names. */
export function toPairs(params: ParamsInput | undefined): ParamPair[] {
  if (params === undefined) return []
  if (Symbol.iterator in params) return [...(params as Iterable<ParamPair>)]
  const pairs: ParamPair[] = []
  for (const [name, value] of Object.entries(params)) {
    const values: readonly string[] = typeof value === 'string' ? [value] : value
    for (const one of values) pairs.push([name, one])
  }
  return pairs
}

/**
 * The base string URI: scheme and host in lowercase, the port only when it is not the scheme's
 * default, the path (`/` when empty), no query and no fragment.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.4.1.2
 */
export function baseStringUri(url: string | URL): string {
  const parsed = new URL(url)
  // URL lowercases scheme and host and drops the default port of http and https already.
  const path = parsed.pathname === '' ? '/' : parsed.pathname
  return `${parsed.protocol}//${parsed.host}${path}`
}

/**
 * The query of a URL as pairs, decoded as `application/x-www-form-urlencoded` (`+` is a space);
 * a name without `=` has an empty value.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.4.1.3.1
 */
export function queryPairs(url: string | URL): ParamPair[] {
  return [...new URL(url).searchParams]
}

/**
 * Normalizes request parameters: each name and value percent-encoded, sorted by encoded name
 * then encoded value (byte order), joined as `name=value` with `&`. `oauth_signature` is left
 * out; repeated names are all kept.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.4.1.3.2
 */
export function normalizeParameters(pairs: Iterable<ParamPair>): string {
  const encoded: [string, string][] = []
  for (const [name, value] of pairs) {
    if (name === 'oauth_signature') continue
    encoded.push([percentEncode(name), percentEncode(value)])
  }
  // After encoding every character is ASCII, so UTF-16 comparison is byte-value order.
  encoded.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
  return encoded.map(([name, value]) => `${name}=${value}`).join('&')
}

/**
 * The signature base string: the uppercase method, the base string URI and the normalized
 * parameters, each percent-encoded, joined with `&`.
 * @param pairs every parameter to sign: query, form body and protocol (`oauth_`) parameters
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.4.1.1
 */
export function signatureBaseString(
  method: string,
  url: string | URL,
  pairs: Iterable<ParamPair>,
): string {
  return [
    percentEncode(method.toUpperCase()),
    percentEncode(baseStringUri(url)),
    percentEncode(normalizeParameters(pairs)),
  ].join('&')
}
