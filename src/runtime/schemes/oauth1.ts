import { oauth1Facts } from '../../kit/index.js'
import type { OAuth1Scheme } from '../../kit/index.js'
import {
  beginOAuth1Authorization,
  completeOAuth1Authorization,
} from '../authorization/oauth1-authorization.js'
import { clientOf } from '../credentials/token-endpoint.js'
import { unwrap } from './auth-input.js'
import { oauth1CredentialsFromInput, recheckOAuth1Token } from './oauth1-credentials.js'
import { oauth1Signer } from './oauth1-signing.js'
import type { SchemeRecord } from './record.js'

/** OAuth 1.0a: a redirect flow, and every request signed with the consumer and the token. */
export const oauth1Record: SchemeRecord<OAuth1Scheme> = {
  ...oauth1Facts,
  // OAuth 1 tokens cannot be refreshed, but after a 401 the provider is asked whether the token
  // still stands, so a revoked one marks the connection needs_reauth.
  canRenew: () => true,
  margin: () => undefined,
  renew: (env, scheme) =>
    recheckOAuth1Token(env, scheme, () => clientOf(env.integration, env.credentials)),
  fromInput: async (_env, _scheme, auth) => oauth1CredentialsFromInput(unwrap(auth, 'oauth1')),
  fromImport: (_scheme, auth) => oauth1CredentialsFromInput(unwrap(auth, 'oauth1')),
  signer: oauth1Signer,
  begin: beginOAuth1Authorization,
  complete: completeOAuth1Authorization,
}
