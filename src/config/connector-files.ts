import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isPatchbayError, PatchbayError } from '../errors.js'
import { connectorFromJson } from '../kit/index.js'
import type { Connector } from '../kit/index.js'

/**
 * Loads every `*.json` connector in a directory. A broken file stops the load with its name and
 * every problem in it, rather than starting without the connector.
 */
export function loadConnectorFiles(dir: string): Connector[] {
  if (!existsSync(dir)) return []
  const connectors: Connector[] = []
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
    const path = join(dir, file)
    let json: unknown
    try {
      json = JSON.parse(readFileSync(path, 'utf8'))
    } catch {
      throw new PatchbayError('invalid_config', `${path}: not valid JSON`, {
        details: { problems: [`${file}: not valid JSON`] },
      })
    }
    try {
      connectors.push(connectorFromJson(json))
    } catch (error) {
      if (!isPatchbayError(error)) throw error
      throw new PatchbayError('invalid_config', `${path}: ${error.message}`, {
        ...(error.details ? { details: error.details } : {}),
      })
    }
  }
  return connectors
}
