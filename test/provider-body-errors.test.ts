import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { connectorFromJson } from '../src/kit/index.js'
import { createConnectorCatalog } from '../src/runtime/index.js'
import type { ConnectorCatalog } from '../src/runtime/index.js'
import { startUpstream } from './helpers/upstream.js'
import type { Upstream } from './helpers/upstream.js'

/** A GraphQL API that reports failures in the body's `errors`, often beside a 200. */
function graphqlConnector(upstreamUrl: string) {
  return connectorFromJson({
    id: 'graphql-api',
    name: 'GraphQL API',
    baseUrl: upstreamUrl,
    settings: { type: 'object', properties: {} },
    auth: {
      type: 'api_key',
      headers: { Authorization: '{{apiKey}}' },
      profile: {
        request: {
          url: '/graphql',
          method: 'POST',
          body: { query: '{ viewer { id name } }' },
          errors: {
            path: 'errors',
            code: 'extensions.code',
            codes: { AUTHENTICATION_ERROR: 'unauthorized', RATELIMITED: 'rate_limited' },
          },
        },
        id: 'data.viewer.id',
        name: 'data.viewer.name',
      },
    },
  })
}

describe('errors reported in a provider answer body', () => {
  let upstream: Upstream
  let catalog: ConnectorCatalog
  const call = (capability: string) =>
    catalog.call('graphql-api', capability, { auth: { apiKey: 'lin_api_test' }, request: {} })

  /** Answers the next POST /graphql with this status and JSON body. */
  function answer(status: number, body: unknown) {
    upstream.script('/graphql', [
      { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    ])
  }

  beforeAll(async () => {
    upstream = await startUpstream()
    catalog = createConnectorCatalog({ connectors: [graphqlConnector(upstream.url)] })
  })
  afterAll(async () => upstream.close())
  beforeEach(() => upstream.reset())

  it('reads a 200 without errors as the answer', async () => {
    answer(200, { data: { viewer: { id: 'u1', name: 'Ada' } } })
    const envelope = await call('get_user_info')
    expect(envelope.error).toBeNull()
    expect(envelope.response).toMatchObject({ id: 'u1', name: 'Ada' })
  })

  it('turns a 200 with a mapped error code into that error, with the first message', async () => {
    answer(200, {
      data: null,
      errors: [{ message: 'Authentication required, not authenticated', extensions: { code: 'AUTHENTICATION_ERROR' } }],
    })
    const envelope = await call('validate_credentials')
    expect(envelope.response).toBeNull()
    expect(envelope.error).toMatchObject({
      code: 'unauthorized',
      details: { status: 200, error: 'AUTHENTICATION_ERROR', message: 'Authentication required, not authenticated' },
    })
    expect(envelope.error?.message).toContain('Authentication required, not authenticated')
  })

  it('makes an unmapped error in a 200 a provider_error, even with partial data', async () => {
    answer(200, { data: { viewer: { id: 'u1' } }, errors: [{ message: 'Cannot query field "nme"' }] })
    expect((await call('get_user_info')).error).toMatchObject({ code: 'provider_error', status_code: 502 })
  })

  it('codes an unmapped error in a non-2xx answer by its status', async () => {
    answer(400, { errors: [{ message: 'Syntax Error', extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] })
    expect((await call('get_user_info')).error).toMatchObject({
      code: 'bad_request',
      details: { status: 400, message: 'Syntax Error', error: 'GRAPHQL_PARSE_FAILED' },
    })
  })

  it('ignores an empty errors list', async () => {
    answer(200, { data: { viewer: { id: 'u2' } }, errors: [] })
    expect((await call('get_user_info')).response).toMatchObject({ id: 'u2' })
  })
})
