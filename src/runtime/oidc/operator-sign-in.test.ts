import { describe, expect, it } from 'vitest'
import { operatorAllowed } from './operator-sign-in.js'

describe('operatorAllowed', () => {
  it('lets anyone in when the list is empty', () => {
    expect(operatorAllowed([], 'u_1', null)).toBe(true)
  })

  it('matches a sub, an email (any case) or an @domain, and nothing else', () => {
    const allowed = ['u_7', 'Ops@Example.com', '@example.org']
    expect(operatorAllowed(allowed, 'u_7', null)).toBe(true)
    expect(operatorAllowed(allowed, 'u_1', 'ops@example.com')).toBe(true)
    expect(operatorAllowed(allowed, 'u_1', 'anyone@example.org')).toBe(true)
    expect(operatorAllowed(allowed, 'u_1', 'anyone@notexample.org')).toBe(false)
    expect(operatorAllowed(allowed, 'u_1', 'ops@example.com.evil')).toBe(false)
    expect(operatorAllowed(allowed, 'u_1', null)).toBe(false)
  })
})
