export { replayFetch } from './replay-fetch.js'
export type { ReplayFetch, ReplayTarget } from './replay-fetch.js'
export { REPLAY_ORIGIN_HEADER, UNEXPECTED_STATUS, startReplayServer } from './replay-server.js'
export type { ReplayServer, ReplayServerOptions } from './replay-server.js'
export type {
  Exchange,
  RecordedJson,
  RecordedRequest,
  RecordedResponse,
  UnexpectedRequest,
} from './exchange.js'
