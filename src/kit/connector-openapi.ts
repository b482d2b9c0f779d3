import { jsonSchemaOf } from './info.js'
import { liftSchemaDefs } from './openapi-defs.js'
import { standardCapabilityOf } from './standard-capabilities.js'
import type { Connector, JsonObject } from './types.js'

/** The envelope's error, as every capability answers it when it fails. */
const ENVELOPE_ERROR: JsonObject = {
  type: 'object',
  required: ['message', 'code'],
  properties: {
    message: { type: 'string' },
    code: { type: 'string' },
    app_error_code: { type: ['string', 'null'] },
    status_code: { type: ['integer', 'null'] },
    raised_by: { type: ['string', 'null'] },
    raised_in: { type: ['string', 'null'] },
  },
}

const PAGE: JsonObject = {
  type: 'object',
  properties: {
    token: { type: ['string', 'null'] },
    size: { type: ['integer', 'null'], minimum: 1 },
  },
  additionalProperties: false,
}

/** A capability's schema for the document, its `$defs` lifted into `components.schemas`. */
function schemaFor(
  schema: Parameters<typeof jsonSchemaOf>[0],
  prefix: string,
  components: Record<string, { [key: string]: unknown }>,
): JsonObject {
  return liftSchemaDefs(jsonSchemaOf(schema), prefix, components) as JsonObject
}

/**
 * An OpenAPI 3.1 document of one connector's capabilities as the HTTP API serves them
 * (`POST /connections/{connection_id}/capabilities/{name}`): each capability's request and
 * response schema inside the envelope, the page cursor where it pages, the envelope's error.
 */
export function connectorOpenApiDocument(connector: Connector, options: { serverUrl?: string } = {}): JsonObject {
  const paths: JsonObject = {}
  const schemas: Record<string, { [key: string]: unknown }> = {}
  for (const [name, capability] of Object.entries(connector.capabilities)) {
    const paginated = capability.paginated ?? standardCapabilityOf(name)?.paginated ?? false
    const failure = (description: string): JsonObject => ({
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
    })
    paths[`/connections/{connection_id}/capabilities/${name}`] = {
      post: {
        operationId: name,
        summary: capability.description ?? name,
        tags: [standardCapabilityOf(name) ? 'standard' : connector.id],
        parameters: [
          { name: 'connection_id', in: 'path', required: true, schema: { type: 'string' } },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['request'],
                properties: {
                  request: schemaFor(capability.request, `${name}_request`, schemas),
                  ...(paginated ? { page: { anyOf: [PAGE, { type: 'null' }] } } : {}),
                },
                additionalProperties: false,
              },
            },
          },
        },
        responses: {
          '200': {
            description: paginated ? 'One page of the answer, and the next page (null at the end)' : 'The answer',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['response', 'page', 'error'],
                  properties: {
                    response: schemaFor(capability.response, `${name}_response`, schemas),
                    page: paginated ? { anyOf: [PAGE, { type: 'null' }] } : { type: 'null' },
                    error: { type: 'null' },
                  },
                },
              },
            },
          },
          '400': failure('The request does not match its schema (bad_request)'),
          '401': failure('The provider refused the credentials (unauthorized)'),
          '409': failure('The connection must be authorized again (needs_reauth)'),
          '404': failure('No such connection, or the provider has no such object (not_found)'),
          '429': failure('The provider is rate limiting (rate_limited)'),
          '502': failure('The provider failed or answered something unexpected (provider_error, invalid_response)'),
          '504': failure('The provider did not answer in time (timeout)'),
        },
        security: [{ apiKey: [] }],
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `${connector.name} connector`,
      version: connector.version ?? '0.0.0',
      ...(connector.description ? { description: connector.description } : {}),
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A Patchbay API key' } },
      schemas: {
        ...schemas,
        ErrorEnvelope: {
          type: 'object',
          required: ['response', 'error'],
          properties: { response: { type: 'null' }, page: { type: 'null' }, error: ENVELOPE_ERROR },
        },
      },
    },
  }
}
