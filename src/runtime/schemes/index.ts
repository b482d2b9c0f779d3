import type { AuthScheme } from '../../kit/index.js'
import { apiKeyRecord } from './api-key.js'
import { basicRecord } from './basic.js'
import { oauth1Record } from './oauth1.js'
import { oauth2Record } from './oauth2.js'
import type { SchemeRecord } from './record.js'

const RECORDS: { [T in AuthScheme['type']]: SchemeRecord<Extract<AuthScheme, { type: T }>> } = {
  oauth2: oauth2Record,
  oauth1: oauth1Record,
  api_key: apiKeyRecord,
  basic: basicRecord,
}

/** The record of a scheme: everything the runtime does that depends on the scheme's type. */
export function schemeRecordOf<S extends AuthScheme>(scheme: S): SchemeRecord<S> {
  return RECORDS[scheme.type] as unknown as SchemeRecord<S>
}

export type { InputEnv, SchemeRecord } from './record.js'
export type { RevocationReport } from './revocation-report.js'
