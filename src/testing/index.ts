export { parseCaseFile, readCaseFile } from './cases.js'
export type { CaseFailure, CaseFile, CaseSuccess, ConnectorCase } from './cases.js'
export { expectEnvelopeError, expectEnvelopeOk } from './envelope-assertions.js'
export type { EnvelopeErrorExpectation, EnvelopeErrorShape, EnvelopeShape } from './envelope-assertions.js'
export { replayFetch } from './replay-fetch.js'
export type { ReplayFetch, ReplayTarget } from './replay-fetch.js'
export { REPLAY_ORIGIN_HEADER, UNEXPECTED_STATUS, startReplayServer } from './replay-server.js'
export type { ReplayServer, ReplayServerOptions } from './replay-server.js'
export { callCase, connectorCases, runCase } from './run-cases.js'
export type { CaseSubject, CatalogueConnector, RunCaseOptions, RunnableCase } from './run-cases.js'
export type {
  Exchange,
  RecordedJson,
  RecordedRequest,
  RecordedResponse,
  UnexpectedRequest,
} from './exchange.js'
