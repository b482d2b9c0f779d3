import { PatchbayError } from '../errors.js'

/**
 * How deeply arrays and objects may nest in JSON that Patchbay reads from outside (HTTP bodies,
 * the CLI's `--json`). Real requests stay under ten levels; 64 leaves room for any real payload
 * while every recursive step after parsing (schema checks, `JSON.stringify`, redaction) stays
 * far from the stack's limit.
 */
export const MAX_JSON_DEPTH = 64

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACKET = 0x5b
const OPEN_BRACE = 0x7b
const CLOSE_BRACKET = 0x5d
const CLOSE_BRACE = 0x7d

/**
 * The deepest nesting of `[` and `{` in a JSON text, found in one loop without recursion, so a
 * hostile 20,000-level document costs one pass and no stack. Brackets inside strings do not
 * count; malformed text is measured as well as it can be and left to `JSON.parse` to refuse.
 */
export function jsonDepth(text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i)
    if (inString) {
      if (char === BACKSLASH) i += 1
      else if (char === QUOTE) inString = false
    } else if (char === QUOTE) {
      inString = true
    } else if (char === OPEN_BRACKET || char === OPEN_BRACE) {
      depth += 1
      if (depth > deepest) deepest = depth
    } else if (char === CLOSE_BRACKET || char === CLOSE_BRACE) {
      depth -= 1
    }
  }
  return deepest
}

/**
 * Parses JSON from outside Patchbay, refusing documents nested deeper than `maxDepth` before
 * parsing them.
 * @param what names the input in messages, e.g. `The request body` or `--json`
 * @throws PatchbayError `bad_request` when the text is nested too deeply
 * @throws SyntaxError when it is not JSON (callers word that in their own terms)
 */
export function parseBoundedJson(text: string, what: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepth(text) > maxDepth) {
    throw new PatchbayError(
      'bad_request',
      `${what} nests arrays or objects more than ${maxDepth} levels deep`,
      { details: { problems: [`${what}: nested more than ${maxDepth} levels`], max_depth: maxDepth } },
    )
  }
  return JSON.parse(text) as unknown
}
