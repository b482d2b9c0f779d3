import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import type { Exchange } from './exchange.js'

const json: z.ZodType<unknown> = z.json()

const exchangeSchema = z.strictObject({
  request: z.strictObject({
    method: z.string().min(1),
    url: z.url(),
    headers: z.record(z.string(), z.string()).optional(),
    body: json.optional(),
  }),
  response: z.strictObject({
    status: z.number().int().min(100).max(599),
    headers: z.record(z.string(), z.string()).optional(),
    body: json.optional(),
  }),
})

const caseSchema = z.strictObject({
  name: z.string().min(1),
  capability: z.string().min(1),
  input: z.strictObject({
    settings: z.record(z.string(), json).optional(),
    auth: z.record(z.string(), json).optional(),
    request: json,
    page: json.optional(),
  }),
  exchanges: z.array(exchangeSchema),
  expect: z.discriminatedUnion('ok', [
    z.strictObject({
      ok: z.literal(true),
      data: json.optional(),
      page: json.optional(),
      absent: z.array(z.string().min(1)).optional(),
    }),
    z.strictObject({
      ok: z.literal(false),
      error: z.looseObject({ code: z.string().min(1) }),
    }),
  ]),
})

const caseFileSchema = z.strictObject({
  $schema: z.string().optional(),
  connector: z.string().min(1).optional(),
  docs: z.array(z.url()).optional(),
  cases: z.array(caseSchema).min(1),
})

/** What a successful case expects of its envelope. */
export interface CaseSuccess {
  ok: true
  /** A subset of the envelope's `response` (objects by the keys given, arrays item by item). */
  data?: unknown
  /** A subset of the envelope's `page`. */
  page?: unknown
  /** Dot paths that must not be in the response (an email the provider did not verify). */
  absent?: string[]
}

/** What a failing case expects of its envelope's `error`: at least its code. */
export interface CaseFailure {
  ok: false
  error: { code: string; [key: string]: unknown }
}

/**
 * One row of a case table: a capability called with `input` (what `patchbay call --json`
 * takes), the provider conversation it must have, and the envelope it must give.
 */
export interface ConnectorCase {
  name: string
  capability: string
  input: {
    settings?: Record<string, unknown>
    /** The credentials, snake_case as the CLI reads them. */
    auth?: Record<string, unknown>
    request: unknown
    page?: unknown
  }
  /** The provider round trips, in order; none more, none fewer. */
  exchanges: Exchange[]
  expect: CaseSuccess | CaseFailure
}

/** A cases file: the cases of one connector. */
export interface CaseFile {
  /** The connector id the cases are for; checked against the connector they run on. */
  connector?: string
  /** The provider pages the recorded shapes follow. */
  docs?: string[]
  cases: ConnectorCase[]
}

/**
 * Checks a parsed cases file.
 * @throws TypeError naming the source and every wrong field by path
 */
export function parseCaseFile(value: unknown, source = 'cases'): CaseFile {
  const parsed = caseFileSchema.safeParse(value)
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(file)'}: ${issue.message}`,
    )
    throw new TypeError(`${source} is not a cases file:\n  ${problems.join('\n  ')}`)
  }
  return parsed.data as CaseFile
}

/**
 * Reads and checks a cases file (JSON).
 * @example
 * const file = readCaseFile(new URL('./cases.json', import.meta.url))
 * @throws TypeError when it cannot be read, is not JSON, or has a wrong field
 */
export function readCaseFile(path: string | URL): CaseFile {
  const file = path instanceof URL ? fileURLToPath(path) : path
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new TypeError(`${file}: cannot read the cases file`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new TypeError(`${file} is not valid JSON: ${(error as Error).message.split(', "')[0]}`)
  }
  return parseCaseFile(value, file)
}
