/** The network as the runtime uses it: `fetch`'s signature, injected so tests and hosts choose. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>
