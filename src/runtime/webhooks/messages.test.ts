import { describe, expect, it } from 'vitest'
import type { Connection } from '../../store/index.js'
import { messageForEvent } from './messages.js'

const connection: Connection = {
  id: 'conn_1',
  integrationId: 'github-prod',
  settings: { org: 'acme' },
  credentials: { accessToken: 'at-very-secret', refreshToken: 'rt-very-secret' },
  accountName: 'octocat',
  status: 'needs_reauth',
  expiresAt: 1_700_000_000,
  lastError: 'invalid_grant',
  createdBy: 'user-42',
  createdAt: 1_600_000_000,
  updatedAt: 1_600_000_000,
  issuedAt: 1_600_000_000,
  refreshAttempt: null,
}

describe('outgoing webhook messages', () => {
  it('carry ids, integration, status and reason, never credentials or settings', () => {
    const message = messageForEvent(
      { type: 'connection.needs_reauth', connectionId: 'conn_1', reason: 'invalid_grant' },
      connection,
      Date.UTC(2024, 0, 2, 3, 4, 5),
    )
    expect(message).toEqual({
      type: 'connection.needs_reauth',
      timestamp: '2024-01-02T03:04:05.000Z',
      data: {
        connection_id: 'conn_1',
        integration: 'github-prod',
        status: 'needs_reauth',
        account_name: 'octocat',
        created_by: 'user-42',
        reason: 'invalid_grant',
      },
    })
    expect(JSON.stringify(message)).not.toMatch(/very-secret|acme/)
  })

  it('names a deleted connection from the event alone', () => {
    const message = messageForEvent(
      { type: 'connection.deleted', connectionId: 'conn_1', integrationId: 'github-prod' },
      null,
      0,
    )
    expect(message?.data).toEqual({
      connection_id: 'conn_1',
      integration: 'github-prod',
      status: 'deleted',
    })
  })

  it('sends nothing for routine refreshes', () => {
    expect(
      messageForEvent({ type: 'connection.refreshed', connectionId: 'conn_1' }, connection, 0),
    ).toBeNull()
  })
})
