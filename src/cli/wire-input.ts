import { fromWireKeys, isJsonObject, oldNameNotice } from '../kit/index.js'

/**
 * The envelope's input with `auth` in the wire's snake_case (`api_key`). An old camelCase key
 * (`apiKey`, before issue 13) is still read for one release, with a deprecation line on stderr
 * naming the key, never its value.
 */
export function wireCallInput(input: unknown): unknown {
  if (!isJsonObject(input) || !isJsonObject(input['auth'])) return input
  const auth = fromWireKeys(input['auth'], (oldName, wireName) => {
    process.stderr.write(`${JSON.stringify({ level: 'warn', ...oldNameNotice('auth', oldName, wireName) })}\n`)
  })
  return { ...input, auth }
}
