import { basic as basicEngine } from '../../engines/index.js'
import { basicFacts } from '../../kit/index.js'
import type { BasicScheme, JsonObject } from '../../kit/index.js'
import type { IssuedCredentials, RenewEnv } from '../credentials/token-endpoint.js'
import { callProvider } from '../fetch/provider-call.js'
import { byDeclaredNames, needsRoundTrip, unwrap } from './auth-input.js'
import type { SchemeRecord } from './record.js'

/** Logs in with username and password and keeps the token beside them. */
async function issueLoginToken(env: RenewEnv, scheme: BasicScheme): Promise<IssuedCredentials> {
  const login = scheme.login
  if (!login) return { credentials: env.credentials, expiresAt: null }
  const { token: _old, expiresAt: _oldExpiry, ...userFields } = env.credentials
  const body = await callProvider(
    login.request,
    { ...env, credentials: userFields },
    { applyCredentials: false, ...(scheme.validateError ? { describeFailure: scheme.validateError } : {}) },
  )
  const result = basicEngine.readLoginResponse(body, login, env.now)
  const credentials: JsonObject = { ...userFields, token: result.token }
  if (result.expiresAt !== undefined) credentials['expiresAt'] = result.expiresAt
  return { credentials, expiresAt: result.expiresAt ?? null }
}

/** Username and password, sent as Basic or traded for an expiring token by a login request. */
export const basicRecord: SchemeRecord<BasicScheme> = {
  ...basicFacts,
  canRenew: (scheme) => scheme.login !== undefined,
  margin: (scheme) => scheme.login?.refreshBeforeExpiry,
  renew: (env, scheme) => issueLoginToken(env, scheme),
  async fromInput(env, scheme, auth) {
    const fields = basicEngine.readBasicFields(scheme, byDeclaredNames(scheme.fields, unwrap(auth, 'basic')))
    if (scheme.login) return issueLoginToken({ ...env, scheme, credentials: fields }, scheme)
    return { credentials: fields, expiresAt: null }
  },
  fromImport(scheme, auth) {
    // The login token is the provider's answer to a request, which an import does not send.
    if (scheme.login) throw needsRoundTrip('a password is traded for a token by a login request')
    return { credentials: basicEngine.readBasicFields(scheme, byDeclaredNames(scheme.fields, unwrap(auth, 'basic'))), expiresAt: null }
  },
}
