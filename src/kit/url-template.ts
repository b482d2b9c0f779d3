import { PatchbayError } from '../errors.js'
import { templateValue } from '../common/index.js'
import type { TemplateScopes } from '../common/index.js'

/**
 * Whether a `format: "uri"` setting may name an `http:` URL. `loopback` allows it only for
 * `localhost`, `*.localhost`, `127.0.0.0/8` and `[::1]` (development, tests, a sandbox on the same
 * machine); `any` allows plain HTTP to every host and sends the integration's client secret in
 * clear text over the network: only for instances on a trusted private network.
 */
export type HttpAllowance = 'loopback' | 'any'

/** What a connector's settings schema declares about one setting, as URL rendering needs it. */
export interface SettingUrlRule {
  /** JSON Schema `format`: `hostname` allows a dotted host name, `uri` a whole base URL. */
  format?: string
  /** JSON Schema `pattern`: a setting with one may fill a host position with a dotted name. */
  pattern?: string
  /**
   * JSON Schema `enum`: the values the connector's author listed; one of them may fill a host
   * position even when dotted (`eu.west`), since the author chose it, not whoever connects.
   */
  enum?: readonly string[]
}

/**
 * How settings may fill a connector's URL templates (DESIGN.md, security rules). Derived from the
 * settings schema by `urlPolicyOf`; the strict default allows host labels only.
 */
export interface UrlPolicy {
  /** Every top-level setting, with its declared format or pattern. */
  settings: Readonly<Record<string, SettingUrlRule>>
  allowHttp?: HttpAllowance
}

/** No setting declared: host positions take a single label, no value may be a whole URL. */
export const STRICT_URL_POLICY: UrlPolicy = { settings: {} }

/** Where a placeholder sits in a URL template. `base` is the very start: a whole base URL. */
export type UrlPosition = 'base' | 'scheme' | 'userinfo' | 'host' | 'port' | 'path' | 'query' | 'fragment'

type TemplatePart = { literal: string } | { name: string; position: UrlPosition }

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.$-]+)\s*\}\}/g
const ABSOLUTE_START = /^([a-z][a-z0-9+.-]*):\/\//i
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/
const IP_ADDRESS = /^(\d+\.\d+\.\d+\.\d+|\[.*\])$/
const HOST_WORD = '[a-z0-9-]+(?:\\.[a-z0-9-]+)*'

/** A URL template split into literal text and placeholders, each tagged with its position. */
export interface UrlTemplate {
  parts: TemplatePart[]
  /** The fixed scheme (`https`), or undefined for relative templates and `{{base}}/…` ones. */
  scheme?: string
}

/**
 * Finds the position of every `{{name}}` in a URL template: the authority of `scheme://…` up to
 * the first `/`, `?` or `#` of the literal text holds host, port (after `:`) and userinfo (before
 * `@`) positions; then path, query and fragment. A placeholder opening the template is `base`.
 */
export function parseUrlTemplate(template: string): UrlTemplate {
  const parts: TemplatePart[] = []
  let last = 0
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ literal: template.slice(last, match.index) })
    parts.push({ name: match[1] as string, position: 'path' })
    last = match.index + match[0].length
  }
  if (last < template.length) parts.push({ literal: template.slice(last) })

  const absolute = ABSOLUTE_START.exec(template)
  let state: UrlPosition = absolute ? 'host' : 'path'
  let skip = absolute ? absolute[0].length : 0
  let inBrackets = false
  let authority: { name: string; position: UrlPosition }[] = []
  parts.forEach((part, index) => {
    if ('name' in part) {
      part.position = index === 0 ? 'base' : state
      if (state === 'host' || state === 'port') authority.push(part)
      return
    }
    for (const char of part.literal.slice(skip)) {
      if (state === 'host' || state === 'port') {
        if (char === '[') inBrackets = true
        else if (char === ']') inBrackets = false
        else if (char === '@') {
          for (const earlier of authority) earlier.position = 'userinfo'
          authority = []
          state = 'host'
        } else if (char === ':' && !inBrackets) state = 'port'
        else if (char === '/') state = 'path'
        else if (char === '?') state = 'query'
        else if (char === '#') state = 'fragment'
      } else if (state === 'path') {
        if (char === '?') state = 'query'
        else if (char === '#') state = 'fragment'
      } else if (state === 'query' && char === '#') state = 'fragment'
    }
    skip = 0
  })
  return absolute ? { parts, scheme: (absolute[1] as string).toLowerCase() } : { parts }
}

function settingName(name: string): string {
  return name.startsWith('settings.') ? name.slice('settings.'.length) : name
}

function isSetting(name: string, policy: UrlPolicy): boolean {
  return name !== settingName(name) || Object.hasOwn(policy.settings, name)
}

function describe(name: string, policy: UrlPolicy): string {
  return isSetting(name, policy) ? `Setting "${settingName(name)}"` : `Value "${name}"`
}

/** A refusal naming the setting and what it must be; the value itself is never repeated. */
function refuse(name: string, policy: UrlPolicy, rule: string): PatchbayError {
  const setting = settingName(name)
  const path = isSetting(name, policy) ? `settings.${setting}` : name
  return new PatchbayError('bad_request', `${describe(name, policy)} ${rule}`, {
    details: { setting, problems: [`${path}: ${rule}`] },
  })
}

function isHostName(value: string): boolean {
  return value.length <= 253 && value.split('.').every((label) => HOST_LABEL.test(label))
}

function dottedAllowed(name: string, value: string, policy: UrlPolicy): boolean {
  const rule = policy.settings[settingName(name)]
  if (rule?.format === 'hostname') return true
  if (rule?.enum?.includes(value)) return true
  if (rule?.pattern === undefined) return false
  try {
    return new RegExp(rule.pattern, 'u').test(value)
  } catch {
    return false
  }
}

const LOOPBACK_HOST = /^(localhost|.+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/

/**
 * Checks a `format: "uri"` setting that opens a URL template and returns it without trailing
 * slashes, so `{{instanceUrl}}/oauth/token` appends to it.
 * @throws PatchbayError `bad_request` naming the setting
 */
function checkBaseUrlValue(name: string, value: string, policy: UrlPolicy): string {
  const rule =
    'must be an https URL without user name, password, query or fragment' +
    (policy.allowHttp === 'any'
      ? ' (http allowed)'
      : policy.allowHttp === 'loopback'
        ? ' (http allowed on localhost)'
        : '')
  // The URL parser silently drops tabs and newlines and reads "\" as "/": refuse them first.
  if (/[\u0000-\u0020\u007f\\?#@]/.test(value)) throw refuse(name, policy, rule)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw refuse(name, policy, rule)
  }
  const httpAllowed =
    policy.allowHttp === 'any' || (policy.allowHttp === 'loopback' && LOOPBACK_HOST.test(url.hostname))
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && httpAllowed)) {
    throw refuse(name, policy, rule)
  }
  if (url.username || url.password || url.search || url.hash || !url.hostname) {
    throw refuse(name, policy, rule)
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

/**
 * Checks one value for its position in a URL and returns the text to put there: a host label
 * (or dotted host name where the schema says so), a port number, a percent-encoded path segment
 * or query/fragment value, or a checked base URL.
 * @throws PatchbayError `bad_request` naming the setting; `invalid_config` for a template that
 *   puts a value where none may go (scheme, userinfo, a base URL not declared `format: "uri"`)
 */
function fillUrlPosition(
  name: string,
  raw: string,
  position: UrlPosition,
  policy: UrlPolicy,
): string {
  switch (position) {
    case 'base': {
      if (policy.settings[settingName(name)]?.format !== 'uri') {
        throw new PatchbayError(
          'invalid_config',
          `${describe(name, policy)} opens a URL template; declare it in the settings schema with format "uri"`,
          { details: { setting: settingName(name) } },
        )
      }
      return checkBaseUrlValue(name, raw, policy)
    }
    case 'host': {
      if (HOST_LABEL.test(raw)) return raw
      if (dottedAllowed(name, raw, policy) && isHostName(raw)) return raw
      throw refuse(
        name,
        policy,
        dottedAllowed(name, raw, policy)
          ? 'must be a host name: labels of lowercase letters, digits and "-" separated by dots'
          : 'must be a host label: 1 to 63 lowercase letters, digits or "-", not starting or ending with "-"',
      )
    }
    case 'port': {
      const port = /^\d{1,5}$/.test(raw) ? Number(raw) : 0
      if (port >= 1 && port <= 65535) return raw
      throw refuse(name, policy, 'must be a port number from 1 to 65535')
    }
    case 'path':
      // Dot segments would be resolved away by the URL parser and climb out of the template's path.
      if (raw === '' || raw === '.' || raw === '..') {
        throw refuse(name, policy, 'must not be empty, "." or ".." in a URL path')
      }
      return encodeURIComponent(raw)
    case 'query':
    case 'fragment':
      return encodeURIComponent(raw)
    case 'scheme':
    case 'userinfo':
      throw new PatchbayError(
        'invalid_config',
        `${describe(name, policy)} fills the ${position} of a URL, which a value may never do`,
        { details: { setting: settingName(name) } },
      )
  }
}

function hostPattern(template: UrlTemplate): RegExp {
  let pattern = ''
  let inHost = false
  for (const part of template.parts) {
    if ('name' in part) {
      if (part.position === 'host') pattern += HOST_WORD
      continue
    }
    let text = part.literal
    if (!inHost) {
      const start = ABSOLUTE_START.exec(text)
      if (!start) continue
      text = text.slice(start[0].length)
      inHost = true
    }
    // Only an "@" before the authority ends separates userinfo; later ones belong to the path.
    const authorityEnd = text.search(/[/?#]/)
    const at = (authorityEnd === -1 ? text : text.slice(0, authorityEnd)).lastIndexOf('@')
    if (at !== -1) {
      pattern = ''
      text = text.slice(at + 1)
    }
    const closing = text.startsWith('[') ? text.indexOf(']') + 1 : 0
    const found = text.slice(closing).search(/[:/?#]/)
    const end = found === -1 ? -1 : closing + found
    pattern += (end === -1 ? text : text.slice(0, end)).toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    if (end !== -1) break
  }
  return new RegExp(`^${pattern}$`)
}

function placeholderNames(template: UrlTemplate): string {
  return template.parts.flatMap((part) => ('name' in part ? [part.name] : []))[0] ?? 'url'
}

/**
 * Fills a URL template so that no value can move it: each value is checked and encoded for its
 * position (`fillUrlPosition`), then the rendered URL's scheme, port and userinfo must be the
 * template's and its host must keep the template's fixed part (`https://{{subdomain}}.service.com`
 * must end in `.service.com`). A template opening with a `format: "uri"` setting keeps that
 * URL's scheme and host. Relative templates come back relative, for `resolveUrl`.
 * @throws PatchbayError `bad_request` naming the setting, before any request is sent
 * @example
 * renderUrlTemplate('https://{{subdomain}}.service.com/oauth/token', [{ subdomain: 'acme' }])
 */
export function renderUrlTemplate(
  template: string,
  scopes: TemplateScopes,
  policy: UrlPolicy = STRICT_URL_POLICY,
): string {
  const parsed = parseUrlTemplate(template)
  let base: URL | undefined
  const rendered = parsed.parts
    .map((part) => {
      if ('literal' in part) return part.literal
      const filled = fillUrlPosition(part.name, templateValue(scopes, part.name), part.position, policy)
      if (part.position === 'base') base = new URL(filled)
      return filled
    })
    .join('')
  if (parsed.scheme === undefined && base === undefined) return rendered

  const name = placeholderNames(parsed)
  let url: URL
  try {
    url = new URL(rendered)
  } catch {
    throw refuse(name, policy, 'does not make a valid URL')
  }
  if (base !== undefined) {
    if (url.protocol !== base.protocol || url.host !== base.host || url.username || url.password) {
      throw refuse(name, policy, 'must not change the URL’s scheme or host')
    }
    return rendered
  }
  // The template with every value replaced by a harmless one: what scheme, port and userinfo must be.
  const fixed = new URL(
    parsed.parts
      .map((part) => ('literal' in part ? part.literal : part.position === 'port' ? '1' : 'a'))
      .join(''),
  )
  const portFromValue = parsed.parts.some((part) => 'name' in part && part.position === 'port')
  // `https://{{host}}/` with `2130706433` or `0x7f.1` would parse as 127.0.0.1: a host made from
  // values is a name, never an address.
  const becameAddress = IP_ADDRESS.test(url.hostname) && !IP_ADDRESS.test(fixed.hostname)
  if (
    becameAddress ||
    url.protocol !== fixed.protocol ||
    url.username !== fixed.username ||
    url.password !== fixed.password ||
    (!portFromValue && url.port !== fixed.port) ||
    !hostPattern(parsed).test(url.hostname)
  ) {
    throw refuse(name, policy, 'must not change the URL’s scheme or host')
  }
  return rendered
}

/**
 * Checks the values `scopes` holds for every placeholder of a URL template, without needing the
 * others (credentials, context) to exist yet: how settings are refused before anything is stored.
 * @throws PatchbayError `bad_request` naming the setting
 */
export function checkUrlTemplateValues(
  template: string,
  scopes: TemplateScopes,
  policy: UrlPolicy = STRICT_URL_POLICY,
): void {
  for (const part of parseUrlTemplate(template).parts) {
    if (!('name' in part)) continue
    let value: string
    try {
      value = templateValue(scopes, part.name)
    } catch {
      continue
    }
    fillUrlPosition(part.name, value, part.position, policy)
  }
}
