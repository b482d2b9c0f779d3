import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../../errors.js'
import { confineUrl } from './confine-url.js'

const BASE = 'https://tenant.freshdesk.test/api/v2'

function refusal(path: string): unknown {
  try {
    return confineUrl(path, BASE)
  } catch (error) {
    return error
  }
}

describe('confineUrl', () => {
  it('appends the path and query to the base URL path', () => {
    expect(confineUrl('/tickets/1?include=stats', BASE).href).toBe(
      'https://tenant.freshdesk.test/api/v2/tickets/1?include=stats',
    )
    expect(confineUrl('tickets', `${BASE}/`).href).toBe(
      'https://tenant.freshdesk.test/api/v2/tickets',
    )
    expect(confineUrl('', BASE).href).toBe('https://tenant.freshdesk.test/api/v2/')
    expect(confineUrl('/a%20b/%40me?q=a/../b', BASE).pathname).toBe('/api/v2/a%20b/%40me')
  })

  it.each([
    '/../admin',
    '/a/../../admin',
    '/%2e%2e/admin',
    '/.%2E/admin',
    '/%252e%252e/admin',
    '/a/..%2f..%2fadmin',
    '/./x',
    '//evil.test/x',
    '///evil.test',
    'https://evil.test/x',
    '/https://evil.test/x',
    '/@evil.test',
    '/x@evil.test',
    '/a\\b',
    '/a%5c..%5cadmin',
    '/a%0d%0aHost:%20evil',
    // Path parameters: servers that cut a segment at ";" see `..` (issue 8).
    '/a/..;/admin',
    '/.;x/admin',
    '/a/%2e%2e;jsessionid=1/admin',
    '/a/%2E%2E%3B/admin',
  ])('refuses %s', (path) => {
    expect(isPatchbayError(refusal(path), 'bad_request'), path).toBe(true)
  })

  it('reports a connector without a base URL as a configuration problem', () => {
    const error = (() => {
      try {
        return confineUrl('/x', '')
      } catch (caught) {
        return caught
      }
    })()
    expect(isPatchbayError(error, 'invalid_config')).toBe(true)
  })
})
