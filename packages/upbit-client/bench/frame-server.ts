/**
 * A WebSocket server in its own process for the decode benchmark: it answers a subscription request and
 * LIST_SUBSCRIPTIONS like Upbit, and on `blast <n> <raw|ours>` (stdin) sends that kind of connection the same ticker frame n times
 * as binary UTF-8 JSON. Prints `{ url }` once listening; answers `blast` with `{}` once the frames are queued.
 */
import { createInterface } from 'node:readline'
import { WebSocketServer } from 'ws'

export const TICKER_FRAME = JSON.stringify({
  type: 'ticker',
  code: 'KRW-BTC',
  opening_price: 145_000_000,
  high_price: 146_500_000,
  low_price: 143_800_000,
  trade_price: 145_912_000,
  prev_closing_price: 145_000_000,
  change: 'RISE',
  change_price: 912_000,
  signed_change_price: 912_000,
  change_rate: 0.0062896552,
  signed_change_rate: 0.0062896552,
  trade_volume: 0.00012345,
  acc_trade_volume: 1234.56789012,
  acc_trade_volume_24h: 2345.67890123,
  acc_trade_price: 180_123_456_789.12,
  acc_trade_price_24h: 340_123_456_789.54,
  trade_date: '20261204',
  trade_time: '165500',
  trade_timestamp: 1_796_316_900_000,
  ask_bid: 'BID',
  acc_ask_volume: 600.1234,
  acc_bid_volume: 634.44449012,
  highest_52_week_price: 163_325_000,
  highest_52_week_date: '2026-01-20',
  lowest_52_week_price: 72_100_000,
  lowest_52_week_date: '2026-03-11',
  market_state: 'ACTIVE',
  is_trading_suspended: false,
  delisting_date: null,
  market_warning: 'NONE',
  timestamp: 1_796_316_900_123,
  stream_type: 'REALTIME',
})

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
  await new Promise((resolve) => server.once('listening', resolve))
  const kinds = new Map<import('ws').WebSocket, string>()
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      // A raw client says `raw`; the streams client sends Upbit's request: each blast goes to one kind.
      if (data.toString() === 'raw') return void kinds.set(socket, 'raw')
      kinds.set(socket, 'ours')
      const request = JSON.parse(data.toString()) as Array<Record<string, unknown>>
      if (request[0]?.method === 'LIST_SUBSCRIPTIONS') {
        socket.send(
          JSON.stringify({
            method: 'LIST_SUBSCRIPTIONS',
            result: [{ type: 'ticker', codes: ['KRW-BTC'] }],
            ticket: request[1]?.ticket,
          }),
        )
      }
    })
  })
  const address = server.address() as { port: number }
  console.log(JSON.stringify({ url: `ws://127.0.0.1:${address.port}/websocket/v1` }))
  const frame = Buffer.from(TICKER_FRAME)
  for await (const line of createInterface({ input: process.stdin })) {
    const [name, count, kind] = line.split(' ')
    if (name === 'blast') {
      for (const client of server.clients) {
        if (kinds.get(client) === kind) for (let i = 0; i < Number(count); i++) client.send(frame, { binary: true })
      }
      console.log('{}')
    }
    if (name === 'close') break
  }
  server.close()
  process.exit(0)
}
