import { z } from 'zod'
import { connectionViewSchema, integrationViewSchema } from '../../runtime/index.js'
import {
  connectorInfo,
  connectSessionCreated,
  credentialsBody,
  envelopeBody,
  errorBody,
  healthBody,
} from '../responses.js'
import { capabilityBody, connectionBody, connectSessionBody, integrationBody } from '../schemas.js'

/** One documented operation: what it takes and what it answers, as zod schemas. */
export interface DocumentedRoute {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch'
  /** OpenAPI path template: `/connections/{id}`. */
  path: string
  operationId: string
  summary: string
  tag: string
  /** `api`: Bearer API key or OIDC token; `none`: public; `browser`: a connect session. */
  auth: 'api' | 'none' | 'browser'
  query?: Record<string, { schema: z.ZodType; description: string; required?: boolean }>
  body?: z.ZodType
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>
}

const ok = <T extends z.ZodType>(schema: T, description = 'Success') => ({ description, schema })
const noContent = { description: 'Deleted' }
const failure = (description: string) => ({ description, schema: errorBody })
const html = (description: string) => ({ description, contentType: 'text/html' })

/**
 * Every route of the HTTP API. The same zod schemas validate the requests (src/server/schemas.ts)
 * and type the responses, and the OpenAPI document is generated from this table.
 */
export const ROUTES: DocumentedRoute[] = [
  {
    method: 'get', path: '/health', operationId: 'health', summary: 'Liveness', tag: 'operations',
    auth: 'none', responses: { 200: ok(healthBody) },
  },
  {
    method: 'get', path: '/connectors', operationId: 'listConnectors', summary: 'List connectors',
    tag: 'connectors', auth: 'api',
    responses: { 200: ok(z.object({ connectors: z.array(connectorInfo) })), 401: failure('No valid credentials') },
  },
  {
    method: 'get', path: '/connectors/{id}', operationId: 'getConnector', summary: 'Describe a connector',
    tag: 'connectors', auth: 'api',
    responses: { 200: ok(connectorInfo), 404: failure('Unknown connector') },
  },
  {
    method: 'put', path: '/connectors/{id}', operationId: 'putConnector',
    summary: 'Register a JSON connector', tag: 'connectors', auth: 'api',
    body: z.record(z.string(), z.unknown()).describe('A connector in its JSON form'),
    responses: { 200: ok(connectorInfo), 400: failure('Invalid connector: every wrong field is listed') },
  },
  {
    method: 'get', path: '/integrations', operationId: 'listIntegrations', summary: 'List integrations',
    tag: 'integrations', auth: 'api',
    responses: { 200: ok(z.object({ integrations: z.array(integrationViewSchema) })) },
  },
  {
    method: 'get', path: '/integrations/{id}', operationId: 'getIntegration', summary: 'Show an integration',
    tag: 'integrations', auth: 'api',
    responses: { 200: ok(integrationViewSchema), 404: failure('Unknown integration') },
  },
  {
    method: 'put', path: '/integrations/{id}', operationId: 'putIntegration',
    summary: 'Create or update an integration', tag: 'integrations', auth: 'api', body: integrationBody,
    responses: { 200: ok(integrationViewSchema), 400: failure('Invalid body'), 404: failure('Unknown connector') },
  },
  {
    method: 'delete', path: '/integrations/{id}', operationId: 'deleteIntegration',
    summary: 'Delete an integration without connections', tag: 'integrations', auth: 'api',
    responses: { 204: noContent, 400: failure('It still has connections'), 404: failure('Unknown integration') },
  },
  {
    method: 'post', path: '/connect/sessions', operationId: 'createConnectSession',
    summary: 'Create a short-lived connect session for a browser', tag: 'connect', auth: 'api',
    body: connectSessionBody,
    responses: { 201: ok(connectSessionCreated, 'Created'), 400: failure('Invalid body'), 404: failure('Unknown integration') },
  },
  {
    method: 'get', path: '/auth/{integration}/start', operationId: 'startAuthorization',
    summary: 'Redirect the browser to the provider', tag: 'connect', auth: 'browser',
    query: {
      session: { schema: z.string(), description: 'A connect session token' },
      connection_id: { schema: z.string(), description: 'With the API key: re-authorize this connection' },
      redirect: { schema: z.string(), description: 'With the API key: where to send the browser when done' },
    },
    responses: { 302: { description: 'To the provider' }, 401: html('No session or API key') },
  },
  {
    method: 'get', path: '/auth/{integration}/callback', operationId: 'authorizationCallback',
    summary: "The provider's redirect back", tag: 'connect', auth: 'none',
    query: {
      state: { schema: z.string(), description: 'The state sent to the provider', required: true },
      code: { schema: z.string(), description: 'The authorization code' },
      error: { schema: z.string(), description: "The provider's error" },
    },
    responses: {
      200: html('Connected'),
      302: { description: 'Back to the redirect target' },
      400: html('Unknown or used state (state_mismatch), or a failed exchange'),
    },
  },
  {
    method: 'get', path: '/connections', operationId: 'listConnections', summary: 'List connections',
    tag: 'connections', auth: 'api',
    query: { integration: { schema: z.string(), description: 'Only this integration' } },
    responses: { 200: ok(z.object({ connections: z.array(connectionViewSchema) })) },
  },
  {
    method: 'post', path: '/connections', operationId: 'createConnection',
    summary: 'Create an API-key, password or client-credentials connection', tag: 'connections',
    auth: 'api', body: connectionBody,
    responses: {
      201: ok(connectionViewSchema, 'Created'),
      400: failure('Invalid body or auth fields'),
      401: failure('The provider refused the credentials'),
      404: failure('Unknown integration'),
    },
  },
  {
    method: 'get', path: '/connections/{id}', operationId: 'getConnection', summary: 'Show a connection',
    tag: 'connections', auth: 'api',
    responses: { 200: ok(connectionViewSchema), 404: failure('Unknown connection') },
  },
  {
    method: 'delete', path: '/connections/{id}', operationId: 'deleteConnection',
    summary: 'Delete a connection', tag: 'connections', auth: 'api',
    responses: { 204: noContent, 404: failure('Unknown connection') },
  },
  {
    method: 'get', path: '/connections/{id}/credentials', operationId: 'getCredentials',
    summary: 'Fresh credentials (refreshed first when near expiry)', tag: 'connections', auth: 'api',
    responses: {
      200: ok(credentialsBody),
      404: failure('Unknown connection'),
      409: failure('The connection needs the user to authorize again'),
    },
  },
  {
    method: 'post', path: '/connections/{id}/refresh', operationId: 'refreshConnection',
    summary: 'Renew the credentials now', tag: 'connections', auth: 'api',
    responses: { 200: ok(connectionViewSchema), 404: failure('Unknown connection'), 409: failure('Needs re-authorization') },
  },
  {
    method: 'post', path: '/connections/{id}/capabilities/{name}', operationId: 'callCapability',
    summary: 'Call a capability with the stored credentials', tag: 'connections', auth: 'api',
    body: capabilityBody,
    responses: { 200: ok(envelopeBody, 'The envelope'), 400: ok(envelopeBody, 'Bad input: the error envelope'), 501: ok(envelopeBody, 'No such capability') },
  },
  {
    method: 'get', path: '/openapi.json', operationId: 'openapi', summary: 'This document',
    tag: 'operations', auth: 'none', responses: { 200: { description: 'OpenAPI 3.1' } },
  },
]
