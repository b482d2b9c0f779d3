import { describe, expect, it } from 'vitest'
import { readConfig } from './config.js'

describe('proxy retry configuration', () => {
  it('defaults to 3 retries within 30 s', () => {
    expect(readConfig({}, {}, '/tmp').proxyRetry).toEqual({ retries: 3, maxTotalMs: 30_000 })
  })

  it('reads PATCHBAY_PROXY_RETRIES and PATCHBAY_PROXY_RETRY_MAX_MS', () => {
    const env = { PATCHBAY_PROXY_RETRIES: '0', PATCHBAY_PROXY_RETRY_MAX_MS: '5000' }
    expect(readConfig(env, {}, '/tmp').proxyRetry).toEqual({ retries: 0, maxTotalMs: 5000 })
  })

  it('refuses a value that is not a whole number', () => {
    const many = { PATCHBAY_PROXY_RETRIES: 'many' }
    expect(() => readConfig(many, {}, '/tmp')).toThrow(/PATCHBAY_PROXY_RETRIES/)
    expect(() => readConfig({ PATCHBAY_PROXY_RETRY_MAX_MS: '-1' }, {}, '/tmp')).toThrow(TypeError)
  })
})
