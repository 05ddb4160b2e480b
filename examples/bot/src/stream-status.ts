import {
  type StreamStateChange,
  UpbitAuthError,
  type UpbitError,
  UpbitStreamAuthError,
  type UpbitStreams,
} from '@tradekit/upbit-client'
import type { Logger } from 'pino'

/**
 * Tells the operator when the bot changes how it learns about its orders: the order stream going down (GET /order
 * polling takes over), coming back, and what a reconnect reconciled. Refused keys are a warning; the reconnect
 * attempts of a flaky network are debug lines (the stream retries them by itself). Messages carry no key or token.
 */
export function reportStreams(streams: UpbitStreams, logger: Logger): { stop(): void } {
  let up = false
  const onState = ({ connection, state }: StreamStateChange) => {
    if (connection !== 'private') return
    if (state === 'confirmed' && !up) {
      up = true
      logger.info('order stream confirmed: orders settle from their myOrder events')
    } else if (state === 'closed' && up) {
      up = false
      logger.warn('order stream down: polling GET /order until it reconnects')
    }
  }
  const onReconciled = ({ events }: { events: number }) => {
    if (events > 0) logger.info(`order stream reconnected: ${events} order event(s) missed while down, delivered from REST`)
  }
  const onError = (error: UpbitError) => {
    const refused = error instanceof UpbitAuthError || error instanceof UpbitStreamAuthError
    logger[refused ? 'warn' : 'debug'](`stream: ${error.message}${refused ? ' (the bot polls GET /order instead)' : ''}`)
  }
  streams.on('state', onState)
  streams.on('reconciled', onReconciled)
  streams.on('error', onError)
  return {
    // Before closing the streams on purpose: their closing is not news.
    stop() {
      streams.off('state', onState)
      streams.off('reconciled', onReconciled)
      streams.off('error', onError)
    },
  }
}
