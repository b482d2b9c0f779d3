import { z } from 'zod'
import { snakeCase, toWireKeys } from '../common/index.js'
import type { JsonValue } from '../errors.js'
import { schemeFactsOf } from './scheme-facts.js'
import { standardCapabilityOf } from './standard-capabilities.js'
import type { AuthField, AuthScheme, Connector, JsonObject } from './types.js'

/** JSON Schema for a zod schema, or a permissive object schema when it cannot be expressed. */
export function jsonSchemaOf(schema: z.ZodType): JsonObject {
  try {
    return z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonObject
  } catch {
    return { type: 'object' }
  }
}

function fieldSchema(field: AuthField): JsonObject {
  const schema: JsonObject = { type: 'string', title: field.label }
  if (field.tooltip) schema['description'] = field.tooltip
  if (field.type === 'password') {
    schema['format'] = 'password'
    schema['writeOnly'] = true
  }
  if (field.type === 'textarea') schema['x-multiline'] = true
  if (field.options) {
    schema['enum'] = field.options.map((option) => option.value)
    schema['x-enum-labels'] = field.options.map((option) => option.label)
  }
  if (field.placeholder) schema['x-placeholder'] = field.placeholder
  return schema
}

/** The fields a user supplies for a scheme, as auth fields (OAuth 2 tokens when given inline). */
export function authFieldsOf(scheme: AuthScheme): Record<string, AuthField> {
  return schemeFactsOf(scheme).fields(scheme)
}

/** JSON Schema of the auth fields a scheme takes. */
export function authJsonSchema(scheme: AuthScheme): JsonObject {
  const fields = authFieldsOf(scheme)
  const properties: JsonObject = {}
  const required: string[] = []
  for (const [name, field] of Object.entries(fields)) {
    properties[name] = fieldSchema(field)
    if (field.required) required.push(name)
  }
  return { type: 'object', properties, required, additionalProperties: false }
}

/**
 * The auth fields' JSON Schema as the wire names them: a declared `apiKey` is `api_key` in
 * `auth` input and in the credentials read back (issue 13).
 */
function wireAuthSchema(scheme: AuthScheme): JsonObject {
  const schema = authJsonSchema(scheme)
  return {
    ...schema,
    properties: toWireKeys(schema['properties'] as JsonObject),
    required: (schema['required'] as string[]).map(snakeCase),
  }
}

function describeAuth(scheme: AuthScheme): JsonObject {
  return {
    type: scheme.type,
    fields: wireAuthSchema(scheme),
    ...toWireKeys(schemeFactsOf(scheme).describe(scheme)),
  }
}

/**
 * What `patchbay info` and `GET /connectors/:id` publish about a connector, in the wire's
 * snake_case (`base_url`, `auth.grant_type`); the settings and capability schemas are JSON
 * Schema of the connector's own declarations, kept as declared.
 */
export function describeConnector(connector: Connector): JsonObject {
  const capabilities: { [name: string]: JsonValue } = {}
  for (const [name, capability] of Object.entries(connector.capabilities)) {
    capabilities[name] = {
      ...(capability.description ? { description: capability.description } : {}),
      ...(capability.scopes ? { scopes: capability.scopes } : {}),
      standard: standardCapabilityOf(name) !== undefined,
      paginated: capability.paginated ?? standardCapabilityOf(name)?.paginated ?? false,
      request: jsonSchemaOf(capability.request),
      response: jsonSchemaOf(capability.response),
    }
  }
  return {
    id: connector.id,
    name: connector.name,
    description: connector.description ?? null,
    logo_url: connector.logoUrl ?? null,
    categories: connector.categories,
    docs_url: connector.docsUrl ?? null,
    version: connector.version ?? null,
    base_url: connector.baseUrl ?? null,
    settings: jsonSchemaOf(connector.settings),
    auth: describeAuth(connector.auth),
    capabilities,
    resource_types: (connector.resourceTypes ?? []).map((type) => ({
      id: type.id,
      label: type.label,
      description: type.description ?? null,
    })),
    entitlement_types: (connector.entitlementTypes ?? []).map((type) => ({
      id: type.id,
      label: type.label,
      resource_type: type.resourceType,
      description: type.description ?? null,
      min: type.min ?? null,
      max: type.max ?? null,
    })),
  }
}
