import { authFieldsOf, isJsonObject, jsonSchemaOf, schemeFactsOf } from '../../kit/index.js'
import type { Connector, JsonObject } from '../../kit/index.js'

/** One input of a Connect page form, from an auth field or a settings property. */
export interface FormField {
  /** `auth` values become the connection's credentials, `settings` its plain settings. */
  group: 'auth' | 'settings'
  name: string
  control: 'text' | 'password' | 'textarea' | 'select' | 'number' | 'checkbox'
  label: string
  required: boolean
  tooltip?: string
  placeholder?: string
  options?: { value: string; label: string }[]
  /** The value the control starts with. */
  initial?: string
}

/** How the page connects an integration: a form posted to Patchbay, or the provider's consent. */
export type ConnectKind = 'form' | 'oauth'

/** `oauth` for schemes whose user consents at the provider (OAuth 2 code grant, OAuth 1). */
export function connectKindOf(connector: Connector): ConnectKind {
  return schemeFactsOf(connector.auth).usesRedirect(connector.auth) ? 'oauth' : 'form'
}

function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

/** Choices of a settings property: an `enum`, or a `oneOf`/`anyOf` of titled `const`s. */
function choicesOf(schema: JsonObject): { value: string; label: string }[] | undefined {
  const values = schema['enum']
  if (Array.isArray(values) && values.length > 0) {
    const labels = schema['x-enum-labels']
    return values.map((value, index) => ({
      value: String(value),
      label: text(Array.isArray(labels) ? labels[index] : undefined) ?? String(value),
    }))
  }
  const alternatives = schema['oneOf'] ?? schema['anyOf']
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    const options = alternatives.filter(isJsonObject).filter((item) => item['const'] !== undefined)
    if (options.length === alternatives.length) {
      return options.map((item) => ({
        value: String(item['const']),
        label: text(item['title']) ?? String(item['const']),
      }))
    }
  }
  return undefined
}

function settingsField(name: string, schema: JsonObject, required: boolean): FormField | null {
  const type = Array.isArray(schema['type'])
    ? schema['type'].find((item) => item !== 'null')
    : schema['type']
  const base = {
    group: 'settings' as const,
    name,
    label: text(schema['title']) ?? humanize(name),
    required,
    ...(text(schema['description']) ? { tooltip: text(schema['description']) as string } : {}),
    ...(text(schema['x-placeholder'])
      ? { placeholder: text(schema['x-placeholder']) as string }
      : {}),
    ...(schema['default'] !== undefined && typeof schema['default'] !== 'object'
      ? { initial: String(schema['default']) }
      : {}),
  }
  const options = choicesOf(schema)
  if (options) return { ...base, control: 'select', options }
  if (type === 'boolean') return { ...base, control: 'checkbox', required: false }
  if (type === 'number' || type === 'integer') return { ...base, control: 'number' }
  if (type === 'string' || type === undefined) {
    if (schema['format'] === 'password' || schema['writeOnly'] === true) {
      return { ...base, control: 'password' }
    }
    if (schema['x-multiline'] === true) return { ...base, control: 'textarea' }
    return { ...base, control: 'text' }
  }
  // Objects and arrays have no sensible single input; the connector's defaults apply.
  return null
}

/**
 * The fields a user fills in to connect an integration: its settings (from the settings JSON
 * Schema), then, for form connectors, its auth fields. OAuth consent needs no auth fields.
 */
export function formFieldsOf(connector: Connector): FormField[] {
  const fields: FormField[] = []
  const settings = jsonSchemaOf(connector.settings)
  const properties = isJsonObject(settings['properties']) ? settings['properties'] : {}
  const required = Array.isArray(settings['required']) ? settings['required'] : []
  for (const [name, schema] of Object.entries(properties)) {
    if (!isJsonObject(schema)) continue
    const field = settingsField(name, schema, required.includes(name))
    if (field) fields.push(field)
  }
  if (connectKindOf(connector) === 'oauth') return fields
  for (const [name, field] of Object.entries(authFieldsOf(connector.auth))) {
    fields.push({
      group: 'auth',
      name,
      control: field.type,
      label: field.label,
      required: field.required,
      ...(field.tooltip ? { tooltip: field.tooltip } : {}),
      ...(field.placeholder ? { placeholder: field.placeholder } : {}),
      ...(field.options ? { options: field.options } : {}),
    })
  }
  return fields
}
