import type { Patchbay } from '../../src/runtime/index.js'
import type { Store } from '../../src/store/index.js'

// Credential fields holding something secret; `tokenType`, `username`, `expiresAt` do not.
const SECRET_FIELD = /token|secret|password|key|code|verifier|assertion/i

function collect(value: unknown, into: string[], field = ''): void {
  if (typeof value === 'string') {
    if (SECRET_FIELD.test(field) && value.length >= 8) into.push(value)
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, into, field)
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) collect(item, into, key)
  }
}

/**
 * The secrets a runtime's store holds: each connection's credentials and each integration's
 * client and webhook secrets, and the outgoing webhook endpoints' secrets. Empty when the store
 * is already closed.
 */
export async function storedSecrets(patchbay: Patchbay, store: Store): Promise<string[]> {
  const found: string[] = []
  try {
    for (const connection of await patchbay.connections.list())
      collect(connection.credentials, found)
    for (const integration of await patchbay.integrations.list()) {
      if (integration.clientSecret) found.push(integration.clientSecret)
      if (integration.webhookSecret) found.push(integration.webhookSecret)
    }
    for (const endpoint of await store.listWebhookEndpoints()) found.push(endpoint.secret)
  } catch {
    // A test closed the store itself; what it held was checked by that test, if anything.
  }
  return found
}

/**
 * The log lines that contain one of the secrets, each reported by line number and which secret
 * (by its first characters only, so the failure message does not spread it further).
 */
export function leakedSecrets(lines: readonly string[], secrets: readonly string[]): string[] {
  const wanted = [...new Set(secrets.filter((secret) => secret.length >= 8))]
  const leaks: string[] = []
  lines.forEach((line, index) => {
    for (const secret of wanted) {
      if (line.includes(secret))
        leaks.push(`log line ${index + 1} contains a secret starting ${secret.slice(0, 4)}…`)
    }
  })
  return leaks
}
