import { fromWireKeys, isJsonObject, oldNameNotice } from '../kit/index.js'

/**
 * The envelope's input with `auth` in the wire's snake_case (`api_key`). An old camelCase key
 * (`apiKey`, before issue 13) is still read for one release, with a deprecation line on stderr
 * naming the key, never its value.
 */
export function wireCallInput(input: unknown): unknown {
  if (!isJsonObject(input) || !isJsonObject(input['auth'])) return input
  return { ...input, auth: fromWireKeys(input['auth'], warnOldName) }
}

const warned = new Set<string>()

/** The deprecation line for an old `auth` key on stderr, once per key and process. */
export function warnOldName(oldName: string, wireName: string): void {
  if (warned.has(oldName)) return
  warned.add(oldName)
  process.stderr.write(`${JSON.stringify({ level: 'warn', ...oldNameNotice('auth', oldName, wireName) })}\n`)
}
