import type { z } from 'zod'
import { jsonSchemaOf } from './info.js'
import type { AuthScheme, Connector, JsonObject } from './types.js'
import { checkUrlTemplateValues } from './url-template.js'
import type { HttpAllowance, SettingUrlRule, UrlPolicy } from './url-template.js'

/**
 * Reads from a settings schema what URL rendering needs: each top-level setting's `format` and
 * `pattern` (zod's `z.url()` publishes `format: "uri"`, `z.hostname()` `format: "hostname"`).
 */
export function urlPolicyFromSettings(
  settings: z.ZodType,
  allowHttp?: HttpAllowance,
): UrlPolicy {
  const schema = jsonSchemaOf(settings)
  const properties = schema['properties']
  const rules: Record<string, SettingUrlRule> = {}
  if (properties !== null && typeof properties === 'object' && !Array.isArray(properties)) {
    for (const [name, property] of Object.entries(properties)) {
      const rule: SettingUrlRule = {}
      if (property !== null && typeof property === 'object' && !Array.isArray(property)) {
        if (typeof property['format'] === 'string') rule.format = property['format']
        if (typeof property['pattern'] === 'string') rule.pattern = property['pattern']
      }
      rules[name] = rule
    }
  }
  return allowHttp === undefined ? { settings: rules } : { settings: rules, allowHttp }
}

/** The URL policy of a connector: the one `defineConnector` put on its scheme, or derived now. */
export function urlPolicyOf(connector: Connector): UrlPolicy {
  return connector.auth.urlPolicy ?? urlPolicyFromSettings(connector.settings, connector.allowHttp)
}

/** Keys of a scheme whose string values are URL templates (or provider requests with a `url`). */
const URL_KEYS = /^(url|.*Url|validate|request|requestAccessToken|refreshAccessToken)$/
const SKIPPED_KEYS = new Set(['apply', 'urlPolicy', 'fields', 'connectButton', 'oidc'])

function collectUrlTemplates(value: unknown, key: string, into: string[], depth: number): void {
  if (depth > 4 || value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (typeof value === 'string' && URL_KEYS.test(key)) into.push(value)
    return
  }
  for (const [name, item] of Object.entries(value)) {
    if (!SKIPPED_KEYS.has(name)) collectUrlTemplates(item, name, into, depth + 1)
  }
}

/** Every URL template a connector declares as text: its base URL and its scheme's endpoints. */
function urlTemplatesOf(connector: {
  baseUrl?: string
  auth: AuthScheme
  capabilities?: Record<string, { declaredUrl?: string }>
}): string[] {
  const templates: string[] = connector.baseUrl ? [connector.baseUrl] : []
  collectUrlTemplates(connector.auth, 'auth', templates, 0)
  for (const capability of Object.values(connector.capabilities ?? {})) {
    if (capability.declaredUrl !== undefined) templates.push(capability.declaredUrl)
  }
  return templates
}

/**
 * Checks settings against every URL template of a connector, so a value that would move a URL
 * (`attacker.example:443/x#` as a subdomain) is refused when it arrives, before anything is
 * stored or sent. Templates also checked when rendered; this is the early door.
 * @throws PatchbayError `bad_request` naming the setting
 */
export function checkUrlSettings(connector: Connector, settings: JsonObject): void {
  const policy = urlPolicyOf(connector)
  for (const template of urlTemplatesOf(connector)) {
    checkUrlTemplateValues(template, [settings, { settings }], policy)
  }
}
