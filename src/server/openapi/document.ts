import { componentSchema } from './json-schema.js'
import { ROUTES } from './routes.js'
import type { DocumentedRoute } from './routes.js'

type Json = { [key: string]: unknown }

function pathParameters(path: string): Json[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }))
}

function operation(route: DocumentedRoute, components: Record<string, Json>): Json {
  const prefix = route.operationId
  const parameters = [
    ...pathParameters(route.path),
    ...Object.entries(route.query ?? {}).map(([name, query]) => ({
      name,
      in: 'query',
      required: query.required ?? false,
      description: query.description,
      schema: componentSchema(query.schema, `${prefix}_${name}`, components),
    })),
  ]
  const responses: Json = {}
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.schema
        ? {
            content: {
              'application/json': {
                schema: componentSchema(response.schema, `${prefix}_${status}`, components),
              },
            },
          }
        : response.contentType
          ? { content: { [response.contentType]: { schema: { type: 'string' } } } }
          : {}),
    }
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(route.auth === 'api' ? { security: [{ bearer: [] }] } : { security: [] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: componentSchema(route.body, `${prefix}_body`, components) },
              ...Object.fromEntries(
                Object.entries(route.bodyTypes ?? {}).map(([type, description]) => [
                  type,
                  { schema: { type: 'string', description } },
                ]),
              ),
            },
          },
        }
      : {}),
    responses,
  }
}

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route table and the zod schemas
 * that validate requests and type responses.
 */
export function buildOpenApiDocument(options: { serverUrl?: string; version?: string } = {}): Json {
  const components: Record<string, Json> = {}
  const paths: Record<string, Json> = {}
  for (const route of ROUTES) {
    const item = (paths[route.path] ??= {}) as Json
    item[route.method] = operation(route, components)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Patchbay',
      version: options.version ?? '0.1.0',
      description: 'Connector framework and auth broker: connections, credentials, capabilities.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key, or an access token (JWT) from the configured OIDC issuer',
        },
      },
    },
  }
}
