import { apikey as apikeyEngine } from '../../engines/index.js'
import { apiKeyFacts } from '../../kit/index.js'
import type { ApiKeyScheme } from '../../kit/index.js'
import { byDeclaredNames, unwrap } from './auth-input.js'
import type { SchemeRecord } from './record.js'

/** API keys: fields checked once, placed on every request, never renewed. */
export const apiKeyRecord: SchemeRecord<ApiKeyScheme> = {
  ...apiKeyFacts,
  canRenew: () => false,
  margin: () => undefined,
  renew: async (env) => ({ credentials: env.credentials, expiresAt: null }),
  fromInput: async (_env, scheme, auth) => apiKeyRecord.fromImport(scheme, auth),
  fromImport: (scheme, auth) => ({
    credentials: apikeyEngine.readAuthFields(scheme, byDeclaredNames(scheme.fields, unwrap(auth, 'api_key'))),
    expiresAt: null,
  }),
}
