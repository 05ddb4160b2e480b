/** `pnpm start`: the server configured from environment variables (see the README). */
import { configFromEnv } from './config.js'
import { ServerError } from './errors.js'
import { startServer } from './server.js'

try {
  const running = await startServer(configFromEnv())
  const { bots } = running.app.services
  const dirs = bots.entries().map(([id, store]) => (bots.ids.length > 1 ? `${id}: ${store.dir}` : store.dir))
  console.log(
    `tradekit server on ${running.url} (dashboard at ${running.url}/, log ${dirs.length > 1 ? 'dirs' : 'dir'} ${dirs.join(', ')})`,
  )
  const stop = (signal: string) => {
    console.log(`${signal}: closing`)
    void running.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
} catch (error) {
  console.error(error instanceof ServerError ? `Cannot start: ${error.message}` : error)
  process.exit(2)
}
