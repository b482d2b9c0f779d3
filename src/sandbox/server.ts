import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { createSandboxHandler } from './handler.js'
import { issueRefreshToken } from './quirks.js'
import {
  checkClient,
  checkSeconds,
  checkTtl,
  copyClient,
  createSandboxState,
  emptyStats,
  expireAccessTokens,
} from './state.js'
import type { Sandbox, SandboxConfig, SandboxOptions, SandboxStats } from './types.js'

/**
 * Starts the sandbox provider: a strict fake OAuth 2, API key, Basic and password-login service
 * listening on loopback, with all state in memory.
 * @example
 * const sandbox = await startSandbox({ autoApprove: true })
 * const res = await fetch(`${sandbox.url}/health`)
 * await sandbox.close()
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const state = createSandboxState(options)
  const host = options.host ?? '127.0.0.1'
  // Leave the process's global Request and Response alone: the sandbox often shares a process
  // with the code under test.
  const listener = getRequestListener(createSandboxHandler(state), {
    overrideGlobalObjects: false,
  })
  const server = createServer(listener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  state.oidc.issuer = url
  const basicUser = { ...state.basicUsers[0]! }
  const apiKey = state.apiKeys[0]!

  return {
    url,
    get clients() {
      return [...state.clients.values()].map(copyClient)
    },
    get defaultClient() {
      return copyClient(state.clients.values().next().value!)
    },
    apiKey,
    basicUser,
    stats(): SandboxStats {
      return structuredClone(state.stats)
    },
    resetStats() {
      state.stats = emptyStats()
    },
    setConfig(partial: SandboxConfig) {
      if (partial.autoApprove !== undefined) state.config.autoApprove = partial.autoApprove
      if (partial.accessTokenTtl !== undefined) {
        state.config.accessTokenTtl = checkTtl(partial.accessTokenTtl)
      }
      if (partial.failNextToken !== undefined) {
        state.config.failNextToken = partial.failNextToken && structuredClone(partial.failNextToken)
      }
      if (partial.tamperIdToken !== undefined) state.config.tamperIdToken = partial.tamperIdToken
      if (partial.jwtAccessTokens !== undefined) {
        state.config.jwtAccessTokens = partial.jwtAccessTokens
      }
      if (partial.failRevocation !== undefined) state.config.failRevocation = partial.failRevocation
      if (partial.refreshTokenReuseSeconds !== undefined) {
        state.config.refreshTokenReuseSeconds = checkSeconds(partial.refreshTokenReuseSeconds)
      }
      if (partial.unverifiedEmail !== undefined) state.config.unverifiedEmail = partial.unverifiedEmail
      if (partial.tokenDelayMs !== undefined) {
        state.config.tokenDelayMs = checkSeconds(partial.tokenDelayMs, 'tokenDelayMs')
      }
    },
    registerClient(client) {
      state.clients.set(client.clientId, checkClient(client))
    },
    expireAccessTokens() {
      expireAccessTokens(state)
    },
    revokeRefreshTokens() {
      state.refreshTokens.clear()
      state.rotated.clear()
    },
    rotations() {
      return state.rotations.map((rotation) => ({ ...rotation }))
    },
    issueRefreshToken(clientId, scope) {
      return issueRefreshToken(state, clientId, scope)
    },
    issuedSecrets() {
      return [
        ...[...state.clients.values()].map((client) => client.clientSecret),
        ...state.apiKeys,
        ...[...state.basicUsers, ...state.loginUsers].map((user) => user.password),
        ...state.issued,
      ]
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        // Keep-alive sockets from fetch would otherwise hold close() open for seconds.
        server.closeAllConnections()
      })
    },
  }
}
