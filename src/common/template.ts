import { PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import { getPath } from './json-path.js'

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.$-]+)\s*\}\}/g

/** The variables a template may use; later scopes are searched when a name is not found earlier. */
export type TemplateScopes = ReadonlyArray<Readonly<Record<string, unknown>>>

function lookup(scopes: TemplateScopes, name: string): unknown {
  for (const scope of scopes) {
    const value = getPath(scope, name)
    if (value !== undefined && value !== null) return value
  }
  return undefined
}

/**
 * Fills every `{{name}}` in `template`. Names are dot paths searched through `scopes` in order,
 * so `{{subdomain}}`, `{{settings.subdomain}}` and `{{apiKey}}` all work. Values go in as they are:
 * for URLs use `renderUrlTemplate` (url-template.ts), which checks and encodes each position.
 * @throws PatchbayError `template_not_found` naming the variable (never its neighbours' values)
 */
export function renderTemplate(template: string, scopes: TemplateScopes): string {
  return template.replace(PLACEHOLDER, (_, name: string) => templateValue(scopes, name))
}

/**
 * The text a variable fills in: a string as is, anything else as JSON.
 * @throws PatchbayError `template_not_found` naming the variable
 */
export function templateValue(scopes: TemplateScopes, name: string): string {
  const value = lookup(scopes, name)
  if (value === undefined) {
    throw new PatchbayError('template_not_found', `Template variable "${name}" has no value`, {
      details: { variable: name },
    })
  }
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** Fills templates in every string inside a JSON value. */
export function renderDeep(value: JsonValue, scopes: TemplateScopes): JsonValue {
  if (typeof value === 'string') return renderTemplate(value, scopes)
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, scopes))
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {}
    for (const [key, item] of Object.entries(value)) out[key] = renderDeep(item, scopes)
    return out
  }
  return value
}

/** Fills templates in each value of a string map. */
export function renderRecord(
  record: Readonly<Record<string, string>>,
  scopes: TemplateScopes,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(record)) out[key] = renderTemplate(value, scopes)
  return out
}

/** The variable names a template refers to. */
export function templateVariables(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] as string)
}
