import { afterAll, beforeAll } from 'vitest'
import { type PostgresServer, type PostgresServerOptions, startPostgresServer } from '../../../../test-support/postgres-server.js'

/** One real PostgreSQL per test file (started before, removed after), a fresh database per call of `database()`. */
export function usePostgres(options: PostgresServerOptions = {}): {
  server: () => PostgresServer
  database: () => Promise<string>
} {
  let server: PostgresServer | undefined
  beforeAll(async () => {
    server = await startPostgresServer(options)
  })
  afterAll(async () => {
    await server?.stop()
  })
  return {
    server: () => server!,
    database: () => server!.createDatabase(),
  }
}
