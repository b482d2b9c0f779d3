/** A JSON value, as a recorded body may hold it. */
export type RecordedJson =
  | string
  | number
  | boolean
  | null
  | RecordedJson[]
  | { [key: string]: RecordedJson }

/**
 * The request a recording expects. `url` is the provider's full URL (origin, path and query),
 * e.g. `https://api.github.com/user/emails?per_page=100`. `headers` lists only the values that
 * must match (names in any case); `body` is the exact text, or a JSON value compared with a JSON
 * or form-encoded body by value.
 */
export interface RecordedRequest {
  method: string
  url: string
  headers?: Record<string, string>
  body?: RecordedJson
}

/** What the replay server answers; an object or array `body` is sent as JSON. */
export interface RecordedResponse {
  status: number
  headers?: Record<string, string>
  body?: RecordedJson
}

/** One recorded round trip with a provider. */
export interface Exchange {
  request: RecordedRequest
  response: RecordedResponse
}

/** A request the replay server did not expect, as it arrived (its original URL). */
export interface UnexpectedRequest {
  method: string
  url: string
  /** Why it did not match the next recorded exchange. */
  reason: string
}
