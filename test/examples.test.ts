import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { github } from '../examples/github.js'
import { connectorFromJson, describeConnector } from '../src/kit/index.js'

const dir = join(import.meta.dirname, '..', 'examples')

describe('examples', () => {
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) {
    it(`accepts ${file} as a complete JSON connector`, () => {
      const connector = connectorFromJson(JSON.parse(readFileSync(join(dir, file), 'utf8')))
      expect(describeConnector(connector)['id']).toBe(file.replace(/\.json$/, ''))
    })
  }

  it('publishes the GitHub example with its settings as JSON Schema', () => {
    const info = describeConnector(github)
    expect(info['settings']).toMatchObject({ required: ['org'] })
    expect(Object.keys(info['capabilities'] as object)).toContain('list_repos')
  })
})
