import { z } from 'zod'
import {
  connectionViewSchema,
  createdWebhookEndpointSchema,
  importLineSchema,
  integrationViewSchema,
  webhookEndpointViewSchema,
} from '../../runtime/index.js'
import {
  pageConnectionBody,
  pageConnectionCreated,
  pageOAuthStartBody,
  pageOAuthStarted,
} from '../connect-page/index.js'
import {
  apiKeyCreated,
  apiKeyViewSchema,
  connectionEventPageBody,
  connectionPageBody,
  importReportBody,
  connectionDeletedBody,
  connectorInfo,
  connectSessionCreated,
  credentialsBody,
  envelopeBody,
  errorBody,
  healthBody,
  readyBody,
  signInResult,
} from '../responses.js'
import {
  apiKeyBody,
  capabilityBody,
  connectionBody,
  connectSessionBody,
  integrationBody,
  signInExchangeBody,
  testMessageBody,
  webhookEndpointBody,
} from '../schemas.js'

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
  /** Other media types the body may have (described in words), beside `application/json`. */
  bodyTypes?: Record<string, string>
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
    method: 'get', path: '/health', operationId: 'health',
    summary: 'Health: the store answers, the background refresh runs, its due backlog', tag: 'operations',
    auth: 'none',
    responses: { 200: ok(healthBody), 503: { description: 'The store does not answer', schema: healthBody } },
  },
  {
    method: 'get', path: '/metrics', operationId: 'metrics',
    summary: 'Prometheus metrics: refreshes, needs_reauth, due backlog, proxy requests and latency, credential requests',
    tag: 'operations', auth: 'api',
    responses: {
      200: { description: 'Prometheus text exposition format 0.0.4', contentType: 'text/plain' },
      401: failure('No API key (or PATCHBAY_METRICS_TOKEN), or a wrong one'),
    },
  },
  {
    method: 'get', path: '/ready', operationId: 'ready', summary: 'Readiness: the store answers',
    tag: 'operations', auth: 'none',
    responses: { 200: ok(readyBody), 503: failure('The store does not answer') },
  },
  {
    method: 'get', path: '/keys', operationId: 'listApiKeys', summary: 'List API keys (never their values)',
    tag: 'keys', auth: 'api', responses: { 200: ok(z.object({ keys: z.array(apiKeyViewSchema) })) },
  },
  {
    method: 'post', path: '/keys', operationId: 'createApiKey',
    summary: 'Create an API key; its value is in this response only', tag: 'keys', auth: 'api',
    body: apiKeyBody, responses: { 201: ok(apiKeyCreated, 'Created'), 400: failure('Invalid body') },
  },
  {
    method: 'delete', path: '/keys/{id}', operationId: 'revokeApiKey',
    summary: 'Revoke an API key (it stays listed)', tag: 'keys', auth: 'api',
    responses: { 200: ok(apiKeyViewSchema, 'Revoked'), 404: failure('Unknown key') },
  },
  {
    method: 'get', path: '/connectors', operationId: 'listConnectors', summary: 'List connectors',
    tag: 'connectors', auth: 'api',
    query: {
      search: { schema: z.string(), description: 'Only connectors whose id, name, description or category contains this text (any case)' },
      category: { schema: z.string(), description: 'Only connectors of this category (crm, support, dev-tools…)' },
    },
    responses: { 200: ok(z.object({ connectors: z.array(connectorInfo) })), 401: failure('No valid credentials') },
  },
  {
    method: 'get', path: '/connectors/{id}', operationId: 'getConnector', summary: 'Describe a connector',
    tag: 'connectors', auth: 'api',
    responses: { 200: ok(connectorInfo), 404: failure('Unknown connector') },
  },
  {
    method: 'get', path: '/connectors/{id}/logo', operationId: 'getConnectorLogo',
    summary: "A catalogue connector's logo (SVG, served with a CSP that allows no script)",
    tag: 'connectors', auth: 'none',
    responses: {
      200: { description: 'The logo', contentType: 'image/svg+xml' },
      404: failure('Unknown connector or no logo'),
    },
  },
  {
    method: 'put', path: '/connectors/{id}', operationId: 'putConnector',
    summary: 'Register a JSON connector', tag: 'connectors', auth: 'api',
    body: z.record(z.string(), z.unknown()).describe('A connector in its JSON form'),
    responses: { 200: ok(connectorInfo), 400: failure('Invalid connector: every wrong field is listed') },
  },
  {
    method: 'post', path: '/connectors/{id}/test-message', operationId: 'sendTestMessage',
    summary: "Send a message with a configuration that is not saved: a message connector's `send_message`",
    tag: 'connectors', auth: 'api', body: testMessageBody,
    responses: {
      200: ok(envelopeBody, 'Sent: `{"sent": true, "message_id"}`'),
      400: ok(envelopeBody, 'Invalid configuration or request, or no template for the usage type (template_not_found)'),
      401: ok(envelopeBody, 'The provider refused the credentials'),
      404: ok(envelopeBody, 'Unknown connector'),
      501: ok(envelopeBody, 'The connector sends no messages'),
      502: ok(envelopeBody, 'The provider failed'),
    },
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
      settings: {
        schema: z.string(),
        description: 'With the API key: the connection settings as a JSON object (fills templated URLs)',
      },
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
    method: 'post', path: '/auth/{integration}/callback', operationId: 'authorizationCallbackFormPost',
    summary: "The provider's answer posted as a form (`response_mode=form_post`): `state`, `code` or `error`",
    tag: 'connect', auth: 'none',
    responses: {
      200: html('Connected'),
      302: { description: 'Back to the redirect target' },
      400: html('Unknown or used state (state_mismatch), or a failed exchange'),
    },
  },
  {
    method: 'get', path: '/signin/{integration}/start', operationId: 'startSignIn',
    summary: 'Start a social sign-in: redirect the browser to the provider', tag: 'signin', auth: 'none',
    query: {
      redirect_uri: {
        schema: z.string(),
        description: "The application page the result goes to: one of the integration's signin_redirect_uris, exactly",
        required: true,
      },
      state: { schema: z.string().max(512), description: "The application's value, handed back unchanged" },
      create_connection: {
        schema: z.enum(['1', 'true']),
        description: "Also keep the provider's tokens as a connection (its id comes with the profile)",
      },
    },
    responses: {
      302: { description: 'To the provider' },
      400: html('An unregistered redirect_uri, or a connector that reads no profile'),
      404: html('Unknown integration'),
    },
  },
  {
    method: 'get', path: '/signin/{integration}/callback', operationId: 'signInCallback',
    summary: "The provider's redirect back from a sign-in", tag: 'signin', auth: 'none',
    query: {
      state: { schema: z.string(), description: 'The state sent to the provider', required: true },
      code: { schema: z.string(), description: 'The authorization code' },
      error: { schema: z.string(), description: "The provider's error" },
    },
    responses: {
      302: {
        description:
          "To the application's page with `code` (single use, 60 s) and `state`, or `error` (auth_code_invalid, unauthorized, invalid_response, …), `error_description` and `state`",
      },
      400: html('Unknown, used or foreign state (state_mismatch): nothing is sent to the application'),
    },
  },
  {
    method: 'post', path: '/signin/{integration}/callback', operationId: 'signInCallbackFormPost',
    summary: "The provider's sign-in answer posted as a form (`response_mode=form_post`)",
    tag: 'signin', auth: 'none',
    responses: {
      302: { description: "To the application's page with `code` and `state`, or `error`" },
      400: html('Unknown, used or foreign state (state_mismatch)'),
    },
  },
  {
    method: 'post', path: '/signin/exchange', operationId: 'exchangeSignInCode',
    summary: "Trade a sign-in result code for the user's normalized profile (once)", tag: 'signin',
    auth: 'api', body: signInExchangeBody,
    responses: {
      200: ok(signInResult),
      400: failure('Unknown, expired or used code (auth_code_invalid), or an invalid body'),
      401: failure('No valid credentials'),
    },
  },
  {
    method: 'get', path: '/connect', operationId: 'connectPage',
    summary: "The Connect page: the session's integrations and their forms", tag: 'connect', auth: 'browser',
    query: { session: { schema: z.string(), description: 'A connect session token', required: true } },
    responses: { 200: html('The page'), 401: html('Unknown, expired or spent session') },
  },
  {
    method: 'post', path: '/connect/api/connections', operationId: 'connectPageConnection',
    summary: 'Connect from a Connect page form (Bearer: the connect session, not an API key)',
    tag: 'connect', auth: 'browser', body: pageConnectionBody,
    responses: {
      201: ok(pageConnectionCreated, 'Connected; the session is spent'),
      400: failure('Invalid body, or an integration connected through OAuth'),
      401: failure('No live session allowing this integration, or the provider refused the credentials'),
    },
  },
  {
    method: 'post', path: '/connect/api/oauth/start', operationId: 'connectPageOAuthStart',
    summary: "Prepare an OAuth flow for the Connect page's popup (Bearer: the connect session)",
    tag: 'connect', auth: 'browser', body: pageOAuthStartBody,
    responses: {
      200: ok(pageOAuthStarted, 'Where to send the popup'),
      400: failure('Invalid body, or an integration without an OAuth flow'),
      401: failure('No live session allowing this integration'),
    },
  },
  {
    method: 'get', path: '/connections', operationId: 'listConnections', summary: 'List connections',
    tag: 'connections', auth: 'api',
    query: {
      integration: { schema: z.string(), description: 'Only this integration' },
      status: { schema: z.enum(['active', 'needs_reauth', 'error']), description: 'Only this status' },
      limit: { schema: z.int().min(1).max(1000), description: 'Page size, 1 to 1000 (default 100)' },
      cursor: { schema: z.string(), description: "The previous page's next_cursor" },
    },
    responses: {
      200: ok(connectionPageBody, 'One page, oldest first; next_cursor is null after the last'),
      400: failure('Invalid query or cursor'),
    },
  },
  {
    method: 'post', path: '/connections/import', operationId: 'importConnections',
    summary: 'Import connections with their tokens (JSON Lines, or a JSON array); all checked before any is written',
    tag: 'connections', auth: 'api', body: z.array(importLineSchema),
    bodyTypes: { 'application/jsonl': 'One connection per line, each as an item of the JSON array form' },
    responses: {
      200: ok(importReportBody, 'Imported'),
      400: failure('Nothing imported: the bad lines, by line number and field'),
      413: failure('Body over PATCHBAY_MAX_IMPORT_BYTES'),
    },
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
    summary: 'Delete a connection, revoking its tokens at the provider first when it can',
    tag: 'connections', auth: 'api',
    responses: {
      200: ok(connectionDeletedBody, 'Deleted after asking the provider to revoke its tokens'),
      204: noContent,
      404: failure('Unknown connection'),
    },
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
    method: 'get', path: '/connections/{id}/events', operationId: 'listConnectionEvents',
    summary: "A connection's events (created, refreshed, refresh failed, needs re-auth…), newest first; kept PATCHBAY_EVENTS_RETENTION_DAYS days",
    tag: 'connections', auth: 'api',
    query: {
      limit: { schema: z.int().min(1).max(1000), description: 'Page size, 1 to 1000 (default 50)' },
      cursor: { schema: z.string(), description: "The previous page's next_cursor" },
    },
    responses: {
      200: ok(connectionEventPageBody, 'One page, newest first; next_cursor is null after the last. A deleted connection keeps its events until they expire'),
      400: failure('Invalid query or cursor'),
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
    responses: {
      200: ok(envelopeBody, 'The envelope'),
      400: ok(envelopeBody, 'Bad input: the error envelope'),
      404: failure('Unknown connection'),
      501: ok(envelopeBody, "No such capability: the message and `details.capabilities` list the connector's"),
    },
  },
  {
    method: 'get', path: '/proxy/{path}', operationId: 'proxy',
    summary: "Forward any method to the connector's base URL with the connection's credentials",
    tag: 'proxy', auth: 'api',
    responses: {
      200: { description: "The provider's response, streamed back (any status it answers)" },
      400: failure('No Connection-Id header, or a path escaping the base URL'),
      404: failure('Unknown connection'),
    },
  },
  {
    method: 'post', path: '/webhooks/{integration}', operationId: 'receiveWebhook',
    summary: "A provider's webhook: signature verified, event forwarded", tag: 'webhooks', auth: 'none',
    responses: {
      200: ok(z.object({ received: z.literal(true), forwarded: z.boolean() })),
      401: failure('Missing, wrong or stale signature'),
      404: failure('Unknown integration, or its connector takes no webhooks'),
    },
  },
  {
    method: 'get', path: '/webhook-endpoints', operationId: 'listWebhookEndpoints',
    summary: 'List outgoing webhook endpoints (secrets never shown)', tag: 'webhooks', auth: 'api',
    responses: { 200: ok(z.object({ endpoints: z.array(webhookEndpointViewSchema) })) },
  },
  {
    method: 'post', path: '/webhook-endpoints', operationId: 'createWebhookEndpoint',
    summary: 'Add an outgoing webhook endpoint; its secret is shown once', tag: 'webhooks', auth: 'api',
    body: webhookEndpointBody,
    responses: { 201: ok(createdWebhookEndpointSchema, 'Created'), 400: failure('Invalid body') },
  },
  {
    method: 'delete', path: '/webhook-endpoints/{id}', operationId: 'deleteWebhookEndpoint',
    summary: 'Remove an outgoing webhook endpoint', tag: 'webhooks', auth: 'api',
    responses: { 204: noContent, 404: failure('Unknown endpoint') },
  },
  {
    method: 'get', path: '/openapi.json', operationId: 'openapi', summary: 'This document',
    tag: 'operations', auth: 'none', responses: { 200: { description: 'OpenAPI 3.1' } },
  },
]
