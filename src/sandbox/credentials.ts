import { json, parseBasic, readParams } from './http.js'
import { requireBearer } from './resources.js'
import { matchesAny, safeEqual } from './secrets.js'
import { issueLoginToken } from './state.js'
import type { SandboxState } from './state.js'
import type { SandboxCredentials } from './types.js'

/**
 * The API key from `X-API-Key`, `Authorization: Token <key>` or the `api_key` query parameter,
 * first found in that order.
 */
function findApiKey(req: Request): string | undefined {
  const header = req.headers.get('x-api-key')
  if (header !== null && header !== '') return header
  const token = /^Token +(\S+)\s*$/i.exec(req.headers.get('authorization') ?? '')
  if (token) return token[1]
  return new URL(req.url).searchParams.get('api_key') ?? undefined
}

/** `GET /apikey/me`: the API key identity. */
export function handleApiKeyMe(state: SandboxState, req: Request): Response {
  const key = findApiKey(req)
  if (key === undefined || !matchesAny(key, state.apiKeys)) {
    return json(401, { error: 'invalid_api_key', message: 'The API key is not valid' })
  }
  return json(200, { id: 'k_1', name: 'API key user' })
}

/** The index of the account these credentials belong to, or -1; checks every account. */
function findAccount(
  accounts: readonly SandboxCredentials[],
  username: string,
  password: string,
): number {
  let found = -1
  accounts.forEach((account, index) => {
    // Both halves are compared always, so timing reveals neither which user exists nor which
    // half was wrong.
    const userOk = safeEqual(username, account.username)
    const passOk = safeEqual(password, account.password)
    if (userOk && passOk && found < 0) found = index
  })
  return found
}

/**
 * `GET /basic/me`: the account named by HTTP Basic credentials.
 * @see https://www.rfc-editor.org/rfc/rfc7617
 */
export function handleBasicMe(state: SandboxState, req: Request): Response {
  const basic = parseBasic(req.headers.get('authorization'))
  const index = basic ? findAccount(state.basicUsers, basic.user, basic.pass) : -1
  if (index < 0) {
    return json(
      401,
      { error: 'invalid_credentials' },
      { 'www-authenticate': 'Basic realm="sandbox", charset="UTF-8"' },
    )
  }
  return json(200, { id: `b_${index + 1}`, username: state.basicUsers[index]!.username })
}

/**
 * `POST /login`: trades a username and password (JSON or form body) for a bearer token that
 * works on `/api/*` and `/login/me`.
 */
export async function handleLogin(state: SandboxState, req: Request): Promise<Response> {
  state.stats.tokenRequests.password_login += 1
  const read = await readParams(req, { query: false })
  if (!read.ok) {
    return json(400, { error: 'invalid_request', error_description: read.description })
  }
  const username = read.params.get('username')
  const password = read.params.get('password')
  if (username === undefined || password === undefined) {
    const description = 'username and password are required'
    return json(400, { error: 'invalid_request', error_description: description })
  }
  const index = findAccount(state.loginUsers, username, password)
  if (index < 0) return json(401, { error: 'invalid_credentials' })
  return json(200, issueLoginToken(state, username), { 'cache-control': 'no-store' })
}

/** `GET /login/me`: the account behind a login token. */
export function handleLoginMe(state: SandboxState, req: Request): Response {
  const auth = requireBearer(state, req, ['login'])
  if (!auth.ok) return auth.response
  const username = auth.record.username ?? ''
  const index = state.loginUsers.findIndex((user) => user.username === username)
  return json(200, { id: `p_${index + 1}`, username })
}
