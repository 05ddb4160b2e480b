// The start-up floor: a bare node:http process that answers /api/trades with a tiny body once it listens.
import { createServer } from 'node:http'

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end('{"items":[]}')
})
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`))
process.once('SIGINT', () => server.close(() => process.exit(0)))
