import { isPatchbayError, PatchbayError } from '../errors.js'
import type { JsonValue } from '../errors.js'
import { parseBoundedJson } from '../kit/index.js'
import { errorEnvelope } from '../runtime/index.js'
import type { Envelope } from '../runtime/index.js'

/** Exit codes: 0 success, 1 a connector or provider error, 2 bad usage or bad input. */
export const EXIT = { ok: 0, connectorError: 1, badInput: 2 } as const

/** Writes one JSON document to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/** Prints a success envelope. */
export function printResponse(response: unknown, page: JsonValue = null): void {
  printJson({ response, page, error: null })
}

/**
 * Whether an error is the caller's fault: malformed or schema-violating input (its details list
 * the `problems`), an unknown connector or capability, a missing record.
 */
function isInputError(envelope: Envelope): boolean {
  const error = envelope.error
  if (!error) return false
  if (error.code === 'bad_request' || error.code === 'invalid_config') {
    return Array.isArray(error.details?.['problems']) || error.raised_in.startsWith('cli:')
  }
  return error.code === 'not_found' || error.code === 'not_implemented' || error.code === 'template_not_found'
}

/** Prints an envelope and sets the exit code it implies. */
export function finish(envelope: Envelope): void {
  printJson(envelope)
  if (envelope.error) process.exitCode = isInputError(envelope) ? EXIT.badInput : EXIT.connectorError
  else process.exitCode = EXIT.ok
}

/** Prints the error envelope of a failed command. */
export function fail(error: unknown, raisedIn: string): void {
  const envelope = errorEnvelope(error, raisedIn)
  finish(envelope)
  if (!isPatchbayError(error)) process.exitCode = EXIT.connectorError
}

/**
 * Parses a `--json` argument: JSON text, `-` for stdin, or `@path` for a file.
 * @throws PatchbayError `bad_request` saying where the JSON breaks, or that it nests too deeply
 */
export async function readJsonArgument(text: string, option = '--json'): Promise<unknown> {
  let source = text
  if (text === '-') source = await readStdin()
  else if (text.startsWith('@')) {
    const { readFile } = await import('node:fs/promises')
    source = await readFile(text.slice(1), 'utf8').catch(() => {
      throw new PatchbayError('bad_request', `${option}: cannot read ${text.slice(1)}`, {
        details: { problems: [`${option}: file not readable`] },
      })
    })
  }
  try {
    return parseBoundedJson(source, option)
  } catch (cause) {
    if (isPatchbayError(cause)) throw cause
    // V8 quotes the input in its message; the input may hold credentials, so keep only the reason.
    const message = cause instanceof Error ? cause.message : 'invalid JSON'
    const reason = message.split(', "')[0] as string
    throw new PatchbayError('bad_request', `${option} is not valid JSON: ${reason}`, {
      details: { problems: [`${option}: ${reason}`] },
    })
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
