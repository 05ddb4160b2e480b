/** Bench child: follows trades in a PostgreSQL log and prints each entry's orderId as it arrives. argv: url. */
import { writeSync } from 'node:fs'
import { createPostgresTradeLogReader } from '../src/postgres/reader.js'

const reader = createPostgresTradeLogReader({ url: process.argv[2]! })
const follower = reader.follow({ kind: 'trades' })
follower.on('entry', (record) => writeSync(1, `${record.entry.orderId}\n`))
await follower.ready
writeSync(1, 'ready\n')
process.on('SIGTERM', () => void reader.close().then(() => process.exit(0)))
