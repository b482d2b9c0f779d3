import { describe, expect, it } from 'vitest'
import { isPatchbayError } from '../errors.js'
import { describeConnector } from './info.js'
import { connectorFromJson } from './json-connector.js'
import { checkUrlSettings } from './url-policy.js'

/** A service with one API host per region, some regions dotted (`eu.west`). */
const regional = {
  id: 'regional',
  name: 'Regional',
  baseUrl: 'https://api.{{region}}.regional.test/v1',
  settings: {
    type: 'object',
    properties: {
      region: {
        type: 'string',
        description: 'Data region',
        enum: ['us', 'eu.west', 'apac'],
        pattern: '^(us|eu\\.west)$',
        examples: ['us'],
      },
    },
    required: ['region'],
  },
  auth: { type: 'api_key', validate: '/me' },
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
    return undefined
  } catch (error) {
    return isPatchbayError(error) ? error.code : String(error)
  }
}

describe('a setting with both enum and pattern', () => {
  const connector = connectorFromJson(regional)

  it('checks both: a listed value the pattern refuses is refused', () => {
    expect(connector.settings.safeParse({ region: 'eu.west' }).success).toBe(true)
    expect(connector.settings.safeParse({ region: 'apac' }).success).toBe(false)
    expect(connector.settings.safeParse({ region: 'eu' }).success).toBe(false)
  })

  it('publishes both in info', () => {
    const settings = describeConnector(connector)['settings'] as {
      properties: Record<string, Record<string, unknown>>
    }
    expect(settings.properties['region']).toMatchObject({
      enum: ['us', 'eu.west', 'apac'],
      pattern: '^(us|eu\\.west)$',
      description: 'Data region',
    })
  })

  it('lets a dotted listed value fill a host, and nothing else dotted', () => {
    expect(codeOf(() => checkUrlSettings(connector, { region: 'eu.west' }))).toBeUndefined()
    expect(codeOf(() => checkUrlSettings(connector, { region: 'evil.test/x' }))).toBe('bad_request')
  })
})

describe('a setting with enum alone', () => {
  it('lets a dotted value the author listed fill a host', () => {
    const listed = connectorFromJson({
      ...regional,
      settings: {
        type: 'object',
        properties: { region: { type: 'string', enum: ['us', 'eu.west'], examples: ['us'] } },
        required: ['region'],
      },
    })
    expect(codeOf(() => checkUrlSettings(listed, { region: 'eu.west' }))).toBeUndefined()
    expect(codeOf(() => checkUrlSettings(listed, { region: 'eu.east' }))).toBe('bad_request')
  })
})
