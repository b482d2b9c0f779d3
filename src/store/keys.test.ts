import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEV_KEY_FILE, loadKeyRing } from './keys.js'
import { createKeyRing, keyFingerprint, open, seal } from './seal.js'

const root = mkdtempSync(join(tmpdir(), 'patchbay-keys-'))
let count = 0

function newDataDir(): string {
  count += 1
  return join(root, `data-${count}`, '.patchbay')
}

afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('loadKeyRing', () => {
  it('generates a development key once, with mode 0600, and reuses it', () => {
    const dataDir = newDataDir()
    const warnings: string[] = []
    const warn = (message: string) => warnings.push(message)

    const first = loadKeyRing({ env: {}, dataDir, warn })
    const path = join(dataDir, DEV_KEY_FILE)
    expect(existsSync(path)).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const fileText = readFileSync(path, 'utf8')

    const second = loadKeyRing({ env: {}, dataDir, warn })
    expect(readFileSync(path, 'utf8')).toBe(fileText)
    const sealed = seal(first, 'secret', 'aad')
    expect(open(second, sealed, 'aad')).toBe('secret')

    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain(path)
    expect(warnings[0]).toMatch(/generated/i)
    for (const message of warnings) {
      expect(message).toContain('PATCHBAY_ENCRYPTION_KEY')
      expect(message).not.toContain(fileText.trim())
    }
  })

  it('uses PATCHBAY_ENCRYPTION_KEY when set, without writing a file or warning', () => {
    const dataDir = newDataDir()
    const key = randomBytes(32)
    const warnings: string[] = []
    const ring = loadKeyRing({
      env: { PATCHBAY_ENCRYPTION_KEY: key.toString('base64') },
      dataDir,
      warn: (message) => warnings.push(message),
    })
    expect(ring.keyIds).toEqual([keyFingerprint(key)])
    expect(open(ring, seal(createKeyRing([{ id: 'k1', key }]), 'x', 'aad'), 'aad')).toBe('x')
    expect(existsSync(join(dataDir, DEV_KEY_FILE))).toBe(false)
    expect(warnings).toEqual([])
  })

  it('prefers PATCHBAY_ENCRYPTION_KEY over an existing development key file', () => {
    const dataDir = newDataDir()
    const devRing = loadKeyRing({ env: {}, dataDir, warn: () => {} })
    const key = randomBytes(32)
    const envRing = loadKeyRing({
      env: { PATCHBAY_ENCRYPTION_KEY: `k9:${key.toString('base64url')}` },
      dataDir,
      warn: () => {},
    })
    expect(envRing.keyIds).toEqual([keyFingerprint(key)])
    expect(() => open(envRing, seal(devRing, 'x', 'aad'), 'aad')).toThrow()
  })

  it('rejects a malformed PATCHBAY_ENCRYPTION_KEY, naming the variable but not the value', () => {
    const value = randomBytes(20).toString('base64')
    expect(() =>
      loadKeyRing({ env: { PATCHBAY_ENCRYPTION_KEY: value }, dataDir: newDataDir() }),
    ).toThrow(/^PATCHBAY_ENCRYPTION_KEY: .*expected 32/)
    try {
      loadKeyRing({ env: { PATCHBAY_ENCRYPTION_KEY: value }, dataDir: newDataDir() })
    } catch (error) {
      expect((error as Error).message).not.toContain(value)
    }
  })

  it('treats an empty PATCHBAY_ENCRYPTION_KEY as a mistake, not as unset', () => {
    const dataDir = newDataDir()
    expect(() => loadKeyRing({ env: { PATCHBAY_ENCRYPTION_KEY: '' }, dataDir })).toThrow(TypeError)
    expect(existsSync(join(dataDir, DEV_KEY_FILE))).toBe(false)
  })
})
