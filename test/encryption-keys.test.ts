import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { keyFingerprint, openSqliteStore, parseKeyRing } from '../src/store/index.js'
import { CLI, createWorkspace, spawnUntil } from './helpers/cli.js'
import type { CliWorkspace } from './helpers/cli.js'

// Issue 8, item 4: keys known by fingerprint, a database whose key is missing refused at start,
// an unreadable row listed as `error`, and private files. All through the built CLI.

const workspaces: CliWorkspace[] = []
afterAll(() => {
  for (const ws of workspaces) ws.remove()
})

function workspace(env: Record<string, string> = {}): CliWorkspace {
  const ws = createWorkspace({ PATCHBAY_SANDBOX: 'off', ...env })
  workspaces.push(ws)
  return ws
}

/** Writes an integration and two connections with the workspace's key, as earlier runs would. */
async function seed(ws: CliWorkspace, secret: string) {
  const store = openSqliteStore({ path: ws.dbPath, keyRing: parseKeyRing(ws.encryptionKey) })
  await store.putIntegration({ id: 'sandbox', connectorId: 'sandbox', clientSecret: secret })
  for (const id of ['conn-good', 'conn-bad']) {
    await store.saveConnection({
      id,
      integrationId: 'sandbox',
      settings: {},
      credentials: { accessToken: `${secret}-${id}` },
    })
  }
  await store.close()
}

/** Flips one character of a sealed value, as disk damage or tampering would. */
function corrupt(dbPath: string, id: string, table = 'connections', column = 'credentials_sealed') {
  const db = new Database(dbPath)
  db.prepare(
    `UPDATE ${table} SET ${column} =
       substr(${column}, 1, length(${column}) - 3) ||
       (CASE substr(${column}, -3, 1) WHEN 'A' THEN 'B' ELSE 'A' END) ||
       substr(${column}, -2)
     WHERE id = ?`,
  ).run(id)
  db.close()
}

function fingerprintOf(base64Key: string): string {
  return keyFingerprint(Buffer.from(base64Key, 'base64'))
}

describe('a database sealed by a key that is not configured (#8)', () => {
  it('makes start exit 2 with one line naming PATCHBAY_ENCRYPTION_KEY and the fingerprint', async () => {
    const ws = workspace()
    const secret = `cs-${randomBytes(12).toString('hex')}`
    await seed(ws, secret)
    const otherKey = randomBytes(32).toString('base64')

    const result = await ws.run(['start', '--port', '0'], {
      env: { PATCHBAY_ENCRYPTION_KEY: otherKey },
    })
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    const lines = result.stderr.split('\n').filter((line) => line !== '')
    expect(lines, result.stderr).toHaveLength(1)
    expect(lines[0]).toContain('PATCHBAY_ENCRYPTION_KEY')
    expect(lines[0]).toContain(fingerprintOf(ws.encryptionKey))
    expect(lines[0]).not.toContain(fingerprintOf(otherKey))
    expect(result.stderr).not.toMatch(/\n\s+at |Error:/)
    for (const text of [secret, ws.encryptionKey, otherKey]) {
      expect(result.stderr).not.toContain(text)
    }
  })

  it('makes other commands answer invalid_config with exit 2, and works again with the key in the ring', async () => {
    const ws = workspace()
    await seed(ws, 'cs-other-commands')
    const newKey = randomBytes(32).toString('base64')

    const refused = await ws.run(['connections', 'list'], {
      env: { PATCHBAY_ENCRYPTION_KEY: newKey },
    })
    expect(refused.code).toBe(2)
    expect(refused.json.error.code).toBe('invalid_config')
    expect(refused.json.error.message).toContain('PATCHBAY_ENCRYPTION_KEY')
    expect(refused.json.error.message).toContain(fingerprintOf(ws.encryptionKey))
    expect(refused.stderr).not.toMatch(/\n\s+at /)

    // Rotation: the new key first seals, the old one (any label) still opens.
    const ring = `new:${newKey},old:${ws.encryptionKey}`
    const listed = await ws.run(['connections', 'list'], { env: { PATCHBAY_ENCRYPTION_KEY: ring } })
    expect(listed.code, listed.stdout + listed.stderr).toBe(0)
    expect(listed.json.response.map((c: { id: string }) => c.id).sort()).toEqual([
      'conn-bad',
      'conn-good',
    ])
  })
})

describe('patchbay encryption-keys rotate', () => {
  it('reseals every secret with the new key, so the old one can leave the ring', async () => {
    const ws = workspace()
    await seed(ws, 'cs-rotate')
    corrupt(ws.dbPath, 'conn-bad')
    const oldKey = ws.encryptionKey
    const newKey = randomBytes(32).toString('base64')
    const ring = { PATCHBAY_ENCRYPTION_KEY: `new:${newKey},old:${oldKey}` }
    const newOnly = { PATCHBAY_ENCRYPTION_KEY: newKey }

    const rotated = await ws.run(['encryption-keys', 'rotate'], { env: ring })
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0)
    expect(rotated.json.response).toMatchObject({
      primary_key_id: fingerprintOf(newKey),
      resealed: 2,
      unreadable: ['connections:conn-bad:credentials_sealed'],
      key_ids_in_use: expect.arrayContaining([fingerprintOf(newKey), fingerprintOf(oldKey)]),
      old_keys_removable: false,
    })
    expect(rotated.json.response.advice).toContain('do not open')
    // The damaged value still names the old key, so the old key cannot leave yet.
    expect((await ws.run(['connections', 'list'], { env: newOnly })).code).toBe(2)

    const deleted = await ws.run(['connections', 'delete', 'conn-bad'], { env: ring })
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0)
    const again = await ws.run(['encryption-keys', 'rotate'], { env: ring })
    expect(again.json.response).toMatchObject({
      resealed: 0,
      unreadable: [],
      key_ids_in_use: [fingerprintOf(newKey)],
      old_keys_removable: true,
      removable_key_ids: [fingerprintOf(oldKey)],
    })
    const listed = await ws.run(['connections', 'list'], { env: newOnly })
    expect(listed.code, listed.stdout + listed.stderr).toBe(0)
    expect(listed.json.response.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual(
      [['conn-good', 'active']],
    )
  })
})

describe('a connection whose credentials cannot be decrypted (#8)', () => {
  it('is listed as error with a reason over the CLI and HTTP once a use has found it, the others as usual', async () => {
    const apiKey = `pb_test_${randomBytes(12).toString('hex')}`
    const ws = workspace({ PATCHBAY_API_KEY: apiKey })
    const secret = `cs-${randomBytes(12).toString('hex')}`
    await seed(ws, secret)
    corrupt(ws.dbPath, 'conn-bad')

    // Lists decrypt nothing (#9): damage inside the ciphertext shows once something opened it.
    const shown = await ws.run(['connections', 'show', 'conn-bad'])
    expect(shown.json.response).toMatchObject({ status: 'error' })
    expect(shown.json.response.last_error).toMatch(/cannot be decrypted/)
    const cli = await ws.run(['connections', 'list'])
    expect(cli.code, cli.stdout + cli.stderr).toBe(0)
    const byId = new Map(cli.json.response.map((c: { id: string }) => [c.id, c]))
    expect(byId.get('conn-good')).toMatchObject({ status: 'active', last_error: null })
    expect(byId.get('conn-bad')).toMatchObject({ status: 'error' })
    expect((byId.get('conn-bad') as { last_error: string }).last_error).toMatch(
      /cannot be decrypted/,
    )
    expect(cli.stdout + cli.stderr).not.toContain(secret)

    const server = spawnUntil(['start', '--port', '0'], {
      cwd: ws.dir,
      env: ws.env,
      marker: 'Patchbay listening on',
    })
    try {
      const url = /Patchbay listening on (\S+)/.exec(await server.ready)?.[1] as string
      const headers = { authorization: `Bearer ${apiKey}` }
      const list = await fetch(`${url}/connections`, { headers })
      expect(list.status).toBe(200)
      const body = (await list.json()) as { connections: { id: string; status: string }[] }
      expect(body.connections.map((c) => [c.id, c.status]).sort()).toEqual([
        ['conn-bad', 'error'],
        ['conn-good', 'active'],
      ])

      const bad = await fetch(`${url}/connections/conn-bad/credentials`, { headers })
      const error = ((await bad.json()) as { error: { code: string; message: string } }).error
      expect(bad.status).toBe(409)
      expect(error.code).toBe('needs_reauth')
      expect(error.message).toMatch(/conn-bad.*cannot be decrypted/)

      const good = await fetch(`${url}/connections/conn-good/credentials`, { headers })
      expect(good.status).toBe(200)
      expect(((await good.json()) as { credentials: unknown }).credentials).toEqual({
        access_token: `${secret}-conn-good`,
      })

      // The damaged connection can still be deleted, which is how it is cleaned up.
      const deleted = await fetch(`${url}/connections/conn-bad`, { method: 'DELETE', headers })
      expect(deleted.status).toBe(204)
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })
})

describe('an integration whose secret cannot be decrypted (#8)', () => {
  it('is listed as error with a reason over the CLI and HTTP, the others as usual', async () => {
    const apiKey = `pb_test_${randomBytes(12).toString('hex')}`
    const ws = workspace({ PATCHBAY_API_KEY: apiKey })
    const secret = `cs-${randomBytes(12).toString('hex')}`
    await seed(ws, secret)
    const store = openSqliteStore({ path: ws.dbPath, keyRing: parseKeyRing(ws.encryptionKey) })
    await store.putIntegration({ id: 'sandbox-bad', connectorId: 'sandbox', clientSecret: `${secret}-bad` })
    await store.close()
    corrupt(ws.dbPath, 'sandbox-bad', 'integrations', 'client_secret_sealed')

    const cli = await ws.run(['integrations', 'list'])
    expect(cli.code, cli.stdout + cli.stderr).toBe(0)
    const byId = new Map(cli.json.response.map((i: { id: string }) => [i.id, i]))
    expect(byId.get('sandbox')).toMatchObject({ status: 'active', last_error: null, has_client_secret: true })
    expect(byId.get('sandbox-bad')).toMatchObject({ status: 'error', has_client_secret: true })
    expect((byId.get('sandbox-bad') as { last_error: string }).last_error).toMatch(/cannot be decrypted/)
    expect(cli.stdout + cli.stderr).not.toContain(secret)

    const server = spawnUntil(['start', '--port', '0'], { cwd: ws.dir, env: ws.env, marker: 'Patchbay listening on' })
    try {
      const url = /Patchbay listening on (\S+)/.exec(await server.ready)?.[1] as string
      const list = await fetch(`${url}/integrations`, { headers: { authorization: `Bearer ${apiKey}` } })
      expect(list.status).toBe(200)
      const text = await list.text()
      expect(text).not.toContain(secret)
      const body = JSON.parse(text) as { integrations: { id: string; status: string }[] }
      expect(body.integrations.map((i) => [i.id, i.status]).sort()).toEqual([
        ['sandbox', 'active'],
        ['sandbox-bad', 'error'],
      ])
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })
})

describe('files under .patchbay (#8)', () => {
  for (const umask of ['022', '000']) {
    it(`are created readable by their owner only with umask ${umask}`, async () => {
      const ws = workspace()
      const env = { ...ws.env }
      // Everything in its default place: the database, the dev encryption key, the dev API key.
      delete env['PATCHBAY_DB']
      delete env['PATCHBAY_ENCRYPTION_KEY']
      const child = spawn(
        '/bin/sh',
        ['-c', `umask ${umask} && exec "$0" "$@"`, process.execPath, CLI, 'start', '--port', '0'],
        { cwd: ws.dir, env },
      )
      let stdout = ''
      child.stdout.setEncoding('utf8')
      const exited = new Promise((resolve) => child.on('exit', resolve))
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          stdout += chunk
          if (stdout.includes('Development API key')) resolve()
        })
        void exited.then(() => reject(new Error(`start exited early: ${stdout}`)))
      })
      try {
        expect(statSync(ws.home).mode & 0o777).toBe(0o700)
        const files = ['patchbay.db', 'patchbay.db-wal', 'patchbay.db-shm', 'encryption.key']
        for (const file of [...files, 'dev-api-key']) {
          const path = join(ws.home, file)
          expect(existsSync(path), file).toBe(true)
          expect((statSync(path).mode & 0o777).toString(8), file).toBe('600')
        }
      } finally {
        child.kill('SIGTERM')
        await exited
      }
    })
  }
})
