import { credentialVariables } from '../../engines/index.js'
import type { AuthScheme, JsonObject, TemplateScopes } from '../../kit/index.js'

/** Template scopes: credential variables first, then settings, then prefixed names. */
export function templateScopes(env: {
  scheme: AuthScheme
  settings: JsonObject
  credentials: JsonObject
  context?: JsonObject | undefined
}): TemplateScopes {
  const vars = credentialVariables(env.scheme, env.credentials)
  return [
    vars,
    env.settings,
    env.context ?? {},
    { settings: env.settings, credentials: vars, auth: vars, ...(env.context ?? {}) },
  ]
}
