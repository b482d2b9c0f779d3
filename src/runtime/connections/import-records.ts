import { fromWireKeys, isJsonObject, parseBoundedJson } from '../../kit/index.js'

/** One connection of an import, parsed, or the reason it could not be. */
export interface ImportRecord {
  /** Where it is, for messages: `line 12` (JSON Lines) or `item 12` (a JSON array). */
  where: string
  /** The parsed JSON value; absent when the text was not JSON. */
  value?: unknown
  /** Why the text could not be parsed; never quotes it (it holds tokens). */
  problem?: string
}

/** A source an import reads twice: once to check every record, once to write them. */
export type ImportSource = () => AsyncIterable<ImportRecord>

function parse(text: string, where: string): ImportRecord {
  try {
    return { where, value: parseBoundedJson(text, where) }
  } catch (error) {
    // V8's JSON.parse messages quote the text around the fault, which here is a token.
    const tooDeep = error instanceof Error && / levels deep$/.test(error.message)
    return { where, problem: tooDeep ? 'nests objects more than 64 levels deep' : 'not valid JSON' }
  }
}

/**
 * Reads an import's text as JSON Lines (one connection per line; blank lines skipped), or as one
 * JSON array when its first character that is not white space is `[`. Lines are split as the
 * chunks arrive, so a large file is never one string; an array is parsed whole.
 */
export async function* readImportRecords(
  chunks: AsyncIterable<string | Uint8Array>,
): AsyncGenerator<ImportRecord> {
  const decoder = new TextDecoder('utf-8', { fatal: false })
  let pending = ''
  let mode: 'unknown' | 'lines' | 'array' = 'unknown'
  let line = 0
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    if (mode === 'unknown') {
      const first = pending.trimStart()
      if (first === '') continue
      mode = first.startsWith('[') ? 'array' : 'lines'
    }
    if (mode === 'array') continue
    let start = 0
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
      line += 1
      const text = pending.slice(start, end).trim()
      start = end + 1
      if (text !== '') yield parse(text, `line ${line}`)
    }
    pending = pending.slice(start)
  }
  pending += decoder.decode()
  if (mode === 'array') {
    const whole = parse(pending, 'the body')
    if (whole.problem !== undefined || !Array.isArray(whole.value)) {
      yield { where: 'the body', problem: whole.problem ?? 'not a JSON array' }
      return
    }
    let item = 0
    for (const value of whole.value as unknown[]) {
      item += 1
      yield { where: `item ${item}`, value }
    }
    return
  }
  const last = pending.trim()
  if (last !== '') yield parse(last, `line ${line + 1}`)
}

/**
 * Records whose `auth` keys are read as the wire spells them (`access_token`, `api_key`): a
 * camelCase key from before issue 13 is renamed and `onOldName` hears of it, so the shell can log
 * its deprecation as `POST /connections` does.
 */
export async function* withWireAuth(
  records: AsyncIterable<ImportRecord>,
  onOldName: (oldName: string, wireName: string) => void,
): AsyncGenerator<ImportRecord> {
  for await (const record of records) {
    const value = record.value
    if (isJsonObject(value) && isJsonObject(value['auth'])) {
      yield { ...record, value: { ...value, auth: fromWireKeys(value['auth'], onOldName) } }
    } else {
      yield record
    }
  }
}
