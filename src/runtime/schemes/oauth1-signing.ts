import { randomBytes } from 'node:crypto'
import { PatchbayError } from '../../errors.js'
import { oauth1 as oauth1Engine } from '../../engines/index.js'
import type { JsonObject, OAuth1Scheme } from '../../kit/index.js'
import type { ClientSource, OutgoingRequest, RequestSigner } from '../fetch/request-signer.js'

const FORM = 'application/x-www-form-urlencoded'

function mediaType(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase()
}

/**
 * The form-encoded body of a request as text, when it has one: its parameters are signed
 * (RFC 5849 section 3.4.1.3.1). Null for other bodies, which are not signed.
 * @throws PatchbayError `bad_request` for a form body streamed past the replay limit
 */
async function formBody(body: OutgoingRequest['body'], contentType: string | null) {
  if (body instanceof URLSearchParams) return body.toString()
  const form = mediaType(contentType) === FORM
  if (body === undefined || body === null) return null
  if (typeof body === 'string') return form ? body : null
  if (body instanceof Blob) return form || mediaType(body.type) === FORM ? body.text() : null
  if (!form) return null
  if (body instanceof ArrayBuffer) return new TextDecoder().decode(body)
  if (ArrayBuffer.isView(body)) {
    return new TextDecoder().decode(new Uint8Array(body.buffer, body.byteOffset, body.byteLength))
  }
  throw new PatchbayError(
    'bad_request',
    'An OAuth 1 request with a streamed form body cannot be signed; send it as a string or URLSearchParams',
  )
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * Signs one outgoing request for an OAuth 1 connection: method, URL with its query and a
 * form-encoded body go into the signature, made with the consumer and the connection's token and
 * secret, and put in the `Authorization` header.
 * @see https://www.rfc-editor.org/rfc/rfc5849#section-3.5.1
 * @throws PatchbayError `invalid_config` without a consumer, `unauthorized` without a token
 */
async function signOAuth1Request(
  scheme: OAuth1Scheme,
  credentials: JsonObject,
  client: ClientSource | undefined,
  request: OutgoingRequest,
): Promise<Headers> {
  if (!client) {
    throw new PatchbayError(
      'invalid_config',
      'OAuth 1 requests need the consumer key and secret of an integration',
    )
  }
  const consumer = await client()
  const token = text(credentials['token'])
  const tokenSecret =
    typeof credentials['tokenSecret'] === 'string' ? credentials['tokenSecret'] : ''
  if (!token) throw new PatchbayError('unauthorized', 'The OAuth 1 credentials have no token')
  const body = await formBody(request.body, request.headers.get('content-type'))
  const signed = oauth1Engine.signRequest({
    method: request.method.toUpperCase(),
    url: request.url,
    ...(body === null ? {} : { body, contentType: FORM }),
    consumerKey: consumer.clientId,
    consumerSecret: consumer.clientSecret ?? '',
    token,
    tokenSecret,
    signatureMethod: scheme.signatureMethod,
    ...(scheme.realm === undefined ? {} : { realm: scheme.realm }),
    nonce: randomBytes(16).toString('hex'),
    // The provider checks the timestamp against its own clock, so it is always the real time.
    timestamp: Math.floor(Date.now() / 1000),
  })
  const headers = new Headers(request.headers)
  headers.set('authorization', signed.authorization)
  return headers
}

/** The signer of an OAuth 1 scheme's requests, with the consumer from `client`. */
export function oauth1Signer(scheme: OAuth1Scheme, client: ClientSource): RequestSigner {
  return (credentials, request) => signOAuth1Request(scheme, credentials, client, request)
}
