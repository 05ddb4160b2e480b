/** Test helper: fake daemons that are closed after each test, and clients bound to them. */
import { afterEach } from 'vitest'
import { createElectronCashClient, type ElectronCashClientOptions } from '../client.js'
import { type FakeDaemon, type FakeDaemonOptions, startFakeDaemon } from '../testing/fake-daemon.js'

export const TEST_PASSWORD = 's3cret-rpc-password-7f1d'

export function useFakeDaemons() {
  let daemons: FakeDaemon[] = []
  afterEach(async () => {
    await Promise.all(daemons.map((d) => d.close()))
    daemons = []
  })
  return {
    async start(options: FakeDaemonOptions = {}): Promise<FakeDaemon> {
      const daemon = await startFakeDaemon({ password: TEST_PASSWORD, badCredentialsDelayMs: 1, ...options })
      daemons.push(daemon)
      return daemon
    },
    connect(daemon: FakeDaemon | FakeDaemon[], options: Partial<ElectronCashClientOptions> = {}) {
      const list = Array.isArray(daemon) ? daemon : [daemon]
      return createElectronCashClient({
        endpoints: list.map((d) => d.url),
        username: list[0]!.username,
        password: TEST_PASSWORD,
        env: {},
        retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5, jitter: false },
        ...options,
      })
    },
  }
}
