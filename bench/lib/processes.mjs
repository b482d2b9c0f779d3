// Starting and stopping the processes a benchmark measures: the bare upstream, the sandbox
// provider, and Patchbay servers run exactly as a user runs them (`patchbay start`).
import { fork, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const CLI = join(ROOT, 'dist/bin/patchbay.js')
const here = (name) => fileURLToPath(new URL(name, import.meta.url))

/** Every process started here, so that the driver can stop them all on the way out. */
const children = new Set()

function track(child) {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** Stops every process this module started (by its own handle, nothing else). */
export function stopAll() {
  for (const child of children) child.kill('SIGTERM')
}

function forkWithHello(script) {
  const child = track(fork(here(script), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  return new Promise((resolve, reject) => {
    child.once('message', (hello) => resolve({ child, hello }))
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)))
  })
}

/** The bare node:http upstream (see upstream-server.mjs). */
export async function startUpstream() {
  const { child, hello } = await forkWithHello('upstream-server.mjs')
  return { url: hello.url, pid: child.pid, close: () => child.kill('SIGTERM') }
}

/** The sandbox provider in its own process, with `call(op)` for stats and refresh tokens. */
export async function startSandboxProcess() {
  const { child, hello } = await forkWithHello('sandbox-server.mjs')
  let next = 0
  const pending = new Map()
  child.on('message', (message) => {
    pending.get(message.id)?.(message.result)
    pending.delete(message.id)
  })
  return {
    ...hello,
    call(op) {
      const id = (next += 1)
      return new Promise((resolve) => {
        pending.set(id, resolve)
        child.send({ id, op })
      })
    },
    close: () => child.kill('SIGTERM'),
  }
}

/**
 * A fresh directory for a Patchbay deployment: a database path, an API key, an encryption key,
 * and the JSON connectors the benchmark uses (`upstream`: an API key sent as `X-Upstream-Key`
 * to the bare upstream; `bulk`: OAuth 2 with no profile, for the store rows).
 */
export function makeDeployment(dir, { upstreamUrl }) {
  mkdirSync(join(dir, 'connectors'), { recursive: true })
  const connectors = {
    upstream: {
      id: 'upstream',
      name: 'Bench upstream',
      baseUrl: upstreamUrl,
      settings: { type: 'object', properties: {} },
      auth: { type: 'apiKey', header: 'X-Upstream-Key' },
    },
    bulk: {
      id: 'bulk',
      name: 'Bench bulk',
      baseUrl: upstreamUrl,
      settings: { type: 'object', properties: {} },
      auth: {
        type: 'oauth2',
        grantType: 'authorization_code',
        authorizationUrl: `${upstreamUrl}/oauth/authorize`,
        tokenUrl: `${upstreamUrl}/oauth/token`,
      },
    },
  }
  for (const [id, definition] of Object.entries(connectors)) {
    writeFileSync(join(dir, 'connectors', `${id}.json`), JSON.stringify(definition))
  }
  return {
    dir,
    dbPath: join(dir, 'patchbay.db'),
    apiKey: `bench_${randomBytes(16).toString('hex')}`,
    encryptionKey: randomBytes(32).toString('base64url'),
    connectorsDir: join(dir, 'connectors'),
    connectors,
  }
}

/** The environment a Patchbay process of this deployment runs with. */
export function deploymentEnv(deployment, sandboxUrl) {
  return {
    ...process.env,
    PATCHBAY_HOME: deployment.dir,
    PATCHBAY_DB: deployment.dbPath,
    PATCHBAY_API_KEY: deployment.apiKey,
    PATCHBAY_ENCRYPTION_KEY: deployment.encryptionKey,
    PATCHBAY_CONNECTORS_DIR: deployment.connectorsDir,
    PATCHBAY_SANDBOX: 'off',
    ...(sandboxUrl ? { PATCHBAY_SANDBOX_URL: sandboxUrl } : {}),
  }
}

/**
 * Runs `patchbay start --port 0` (the built CLI) for a deployment and waits for it to listen.
 * Its output goes to a log file in the deployment directory, never through the driver.
 */
export async function startPatchbay(deployment, { sandboxUrl, name = 'patchbay' } = {}) {
  const logPath = join(deployment.dir, `${name}.log`)
  const out = openSync(logPath, 'w')
  const child = track(
    spawn(process.execPath, [CLI, 'start', '--port', '0'], {
      env: deploymentEnv(deployment, sandboxUrl),
      stdio: ['ignore', out, out],
    }),
  )
  let exited = null
  child.once('exit', (code) => (exited = code))
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const match = /Patchbay listening on (\S+)/.exec(readFileSync(logPath, 'utf8'))
    if (match) {
      const url = match[1]
      return {
        url,
        pid: child.pid,
        logPath,
        memory: () => memoryOf(child.pid),
        /** Calls the API with the deployment's key: JSON in, `{status, body}` out. */
        api: (method, path, body) => api(url, deployment.apiKey, method, path, body),
        close: () =>
          new Promise((resolve) => {
            if (exited !== null) return resolve()
            child.once('exit', resolve)
            child.kill('SIGTERM')
          }),
      }
    }
    if (exited !== null) throw new Error(`patchbay start exited with ${exited}:\n${readFileSync(logPath, 'utf8')}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`patchbay start did not listen within 60 s:\n${readFileSync(logPath, 'utf8')}`)
}

/** Resident and peak resident memory of a process, in MiB, from /proc (Linux only). */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN)
    return { rssMiB: kb('VmRSS') / 1024, peakRssMiB: kb('VmHWM') / 1024 }
  } catch {
    return { rssMiB: NaN, peakRssMiB: NaN }
  }
}

export async function api(url, key, method, path, body) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  let parsed = text
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, body: parsed }
}

/** `api()` that throws unless the status is the expected one. */
export async function apiOk(server, method, path, body, expected = [200, 201, 204]) {
  const result = await server.api(method, path, body)
  if (!expected.includes(result.status)) {
    throw new Error(`${method} ${path} answered ${result.status}: ${JSON.stringify(result.body)}`)
  }
  return result.body
}

/** A refresh grant straight to the sandbox (client_secret_basic), as one round trip. */
export async function refreshDirect(sandbox, refreshToken) {
  const response = await fetch(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${sandbox.clientId}:${sandbox.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  })
  const body = await response.json()
  if (response.status !== 200) throw new Error(`sandbox refresh answered ${response.status}: ${JSON.stringify(body)}`)
  return body
}
