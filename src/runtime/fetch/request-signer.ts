import type { ClientCredentials } from '../../engines/oauth2/index.js'
import type { JsonObject } from '../../kit/index.js'

/** Where the OAuth client (an OAuth 1 consumer) comes from: looked up when first needed. */
export type ClientSource = () => ClientCredentials | Promise<ClientCredentials>

/** One request about to be sent, after the scheme's header and query templates are applied. */
export interface OutgoingRequest {
  method: string
  url: URL
  headers: Headers
  /** A streamed body that was not held is an async iterable: it cannot be read for signing. */
  body?: RequestInit['body'] | Uint8Array | AsyncIterable<Uint8Array> | undefined
}

/**
 * Signs one outgoing request with a connection's credentials, returning the headers to send; a
 * scheme record makes one for schemes that sign each request (OAuth 1).
 */
export type RequestSigner = (credentials: JsonObject, request: OutgoingRequest) => Promise<Headers>
