import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../errors.js'
import { jsonDepth, MAX_JSON_DEPTH, parseBoundedJson } from './json-depth.js'

describe('jsonDepth', () => {
  it('counts nesting of arrays and objects, not brackets inside strings', () => {
    expect(jsonDepth('1')).toBe(0)
    expect(jsonDepth('{"a":[1,{"b":[]}]}')).toBe(4)
    expect(jsonDepth('{"a":"[[[[{{{{\\"[["}')).toBe(1)
  })

  it('measures 200,000 levels without a stack overflow', () => {
    expect(jsonDepth('['.repeat(200_000) + ']'.repeat(200_000))).toBe(200_000)
  })
})

describe('parseBoundedJson', () => {
  it(`parses ${MAX_JSON_DEPTH} levels and refuses one more as bad_request naming the input`, () => {
    const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels)
    expect(() => parseBoundedJson(nested(MAX_JSON_DEPTH), '--json')).not.toThrow()
    let error: unknown
    try {
      parseBoundedJson(nested(MAX_JSON_DEPTH + 1), '--json')
    } catch (caught) {
      error = caught
    }
    expect(isPatchbayError(error, 'bad_request')).toBe(true)
    expect((error as Error).message).toContain('--json')
  })

  it('leaves malformed JSON to JSON.parse', () => {
    expect(() => parseBoundedJson('{"a":', 'body')).toThrow(SyntaxError)
  })
})
