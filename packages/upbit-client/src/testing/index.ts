export { upbitFixtures } from './fixtures.js'
export { createUpbitHandlers, type UpbitHandlersOptions } from './handlers.js'
export type { SimCandle, SimulatorFeed } from './sim-feed.js'
export type { SimApiKey } from './sim-pocket-limits.js'
export type { SimOrderEventRecord, SimStreamStats } from './sim-websocket.js'
export {
  type SimulatorFault,
  type SimulatorStats,
  startUpbitSimulator,
  type UpbitSimulator,
  type UpbitSimulatorOptions,
  type UpbitSimulatorStreams,
} from './simulator.js'
