import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { EXIT } from './cli-exit-codes.js'
import { type CliIo, runCli } from './cli-main.js'
import { SECRET_RESULT_METHODS } from './redact.js'
import { TEST_PASSWORD, useFakeDaemons } from './test-support/daemons.js'

const fakes = useFakeDaemons()

function io(env: Record<string, string | undefined>) {
  const out: string[] = []
  const err: string[] = []
  const streams: CliIo = { env, stdout: (t) => out.push(t), stderr: (t) => err.push(t) }
  return { streams, out: () => out.join(''), err: () => err.join('') }
}

const envFor = (url: string) => ({
  ELECTRONCASH_URL: url,
  ELECTRONCASH_RPC_USER: 'user',
  ELECTRONCASH_RPC_PASSWORD: TEST_PASSWORD,
})

describe('electroncash-rpc CLI (in process)', () => {
  it('health prints the probe as JSON and exits 0 when up', async () => {
    const daemon = await fakes.start()
    const run = io(envFor(daemon.url))
    expect(await runCli(['health'], run.streams)).toBe(0)
    expect(JSON.parse(run.out())).toMatchObject({ status: 'up', url: daemon.url, walletLoaded: true })
  })

  it('health exits 1 with the cause when the daemon is down, without the password', async () => {
    const daemon = await fakes.start()
    await daemon.stop()
    const run = io(envFor(daemon.url))
    expect(await runCli(['health'], run.streams)).toBe(1)
    expect(JSON.parse(run.out())).toMatchObject({ status: 'down', reason: 'connection refused' })
    expect(run.out() + run.err()).not.toContain(TEST_PASSWORD)
  })

  it('wait resolves once the daemon answers with a wallet, and fails with the reason on timeout (exit 3: degraded)', async () => {
    const daemon = await fakes.start({ walletLoaded: false })
    const failing = io(envFor(daemon.url))
    expect(await runCli(['wait', '--timeout', '5000'], failing.streams)).toBe(EXIT.degraded)
    expect(failing.err()).toContain('daemon up but no wallet loaded')
    daemon.setWalletLoaded(true)
    const ok = io(envFor(daemon.url))
    expect(await runCli(['wait', '--timeout', '30000'], ok.streams)).toBe(0)
    expect(JSON.parse(ok.out())).toMatchObject({ walletLoaded: true })
  })

  it('call sends JSON params positionally, or one object as named params, and prints the result', async () => {
    const daemon = await fakes.start()
    const positional = io(envFor(daemon.url))
    expect(await runCli(['call', 'validateaddress', daemon.wallet.addresses[0]!], positional.streams)).toBe(0)
    expect(JSON.parse(positional.out())).toBe(true)
    const named = io(envFor(daemon.url))
    expect(await runCli(['call', 'addrequest', '{"amount":"0.001","memo":"cli"}'], named.streams)).toBe(0)
    expect(JSON.parse(named.out())).toMatchObject({ amount: 100_000, memo: 'cli' })
  })

  it('call prints the mapped error and exits 1', async () => {
    const daemon = await fakes.start()
    const run = io(envFor(daemon.url))
    expect(await runCli(['call', 'nosuch'], run.streams)).toBe(1)
    expect(JSON.parse(run.err()).error).toMatchObject({ name: 'RpcError', rpcCode: -32601 })
  })

  it.each([[[]], [['frobnicate']], [['call']], [['health', '--timeout', 'soon']], [['health', '--bogus']]])(
    'usage errors exit 2: %j',
    async (argv) => {
      const run = io(envFor('http://127.0.0.1:7777'))
      expect(await runCli(argv, run.streams)).toBe(2)
      expect(run.err()).toMatch(/Usage|--timeout|Unknown option/)
    },
  )

  it.each([
    ['a daemon with its wallet', EXIT.ok, {}, [], 'up'],
    ['a daemon without a wallet', EXIT.degraded, { walletLoaded: false }, [], 'degraded'],
    ['an offline daemon, as configured', EXIT.ok, { offline: true }, [], 'up'],
    ['an offline daemon with --require-network', EXIT.degraded, { offline: true }, ['--require-network'], 'degraded'],
    ['a daemon without an Electrum server, as configured', EXIT.ok, { networkStallSeconds: 30 }, [], 'up'],
    [
      'a daemon without an Electrum server with --require-network',
      EXIT.degraded,
      { networkStallSeconds: 30 },
      ['--require-network'],
      'degraded',
    ],
  ] as const)('health of %s exits %i', async (_label, code, options, flags, status) => {
    const daemon = await fakes.start(options)
    const run = io(envFor(daemon.url))
    expect(await runCli(['health', ...flags], run.streams)).toBe(code)
    expect(JSON.parse(run.out())).toMatchObject({ status })
  })

  it('exit codes are distinct: up 0, down 1, usage 2, degraded 3', () => {
    expect(EXIT).toEqual({ ok: 0, down: 1, usage: 2, degraded: 3 })
  })

  it('wait gives up with exit 1 when the daemon never answers', async () => {
    const daemon = await fakes.start()
    await daemon.stop()
    const run = io(envFor(daemon.url))
    expect(await runCli(['wait', '--timeout', '5000'], run.streams)).toBe(EXIT.down)
    expect(run.err()).toContain('connection refused')
  })

  it('missing configuration is a usage error that names the variable to set', async () => {
    const run = io({})
    expect(await runCli(['health'], run.streams)).toBe(2)
    expect(run.err()).toMatch(/ELECTRONCASH_URL/)
  })
})

describe('electroncash-rpc CLI keeps secrets out of its output', () => {
  /** Every secret-bearing call (the redaction table), with params, and the secret the fake daemon answers. */
  const SECRET_CALLS: [string, string[], string][] = [
    ['getseed', [], 'fake seed words never use'],
    ['getmasterprivate', [], 'xprv-fake-master-private-key'],
    ['getprivatekeys', ['qz74hwfeyujgyx530x8we2ncfr2mjh5veqy0eu66ed'], 'L-fake-private-key'],
    ['dumpprivkeys', [], 'This command is deprecated'],
    ['make_seed', [], 'fake bip39 seed words'],
    ['make_electrum_seed', [], 'fake electrum seed words'],
    ['create', ['{"wallet_path":"/tmp/x"}'], 'fake created wallet seed words'],
    ['decrypt', ['02ab', 'c2VjcmV0'], 'fake decrypted message'],
    ['rpa_extract_private_keys_from_transaction', ['0100'], 'L-fake-rpa-private-key'],
  ]
  const CONFIG_SECRETS: [string, string[], string][] = [
    ['getconfig', ['rpcpassword'], TEST_PASSWORD],
    ['getconfig', ['rpcuser'], '"user"'],
    ['run_cmdline', ['{"cmd":"getseed"}'], 'fake seed words never use'],
  ]

  it('the table covers every method whose result is a secret', () => {
    expect(SECRET_CALLS.map(([method]) => method).sort()).toEqual([...SECRET_RESULT_METHODS].sort())
  })

  it.each([...SECRET_CALLS, ...CONFIG_SECRETS])(
    '%s %j is printed as <redacted> unless --show-secrets is passed',
    async (method, params, secret) => {
      const daemon = await fakes.start()
      const hidden = io(envFor(daemon.url))
      expect(await runCli(['call', method, ...params], hidden.streams)).toBe(EXIT.ok)
      expect(JSON.parse(hidden.out())).toBe('<redacted>')
      expect(hidden.out() + hidden.err()).not.toContain(secret)
      expect(hidden.err()).toContain('--show-secrets')
      const shown = io(envFor(daemon.url))
      expect(await runCli(['call', method, ...params, '--show-secrets'], shown.streams)).toBe(EXIT.ok)
      expect(shown.out()).toContain(secret)
    },
  )

  it('an ordinary config value is printed as it is', async () => {
    const daemon = await fakes.start()
    const run = io(envFor(daemon.url))
    expect(await runCli(['call', 'getconfig', 'rpcport'], run.streams)).toBe(EXIT.ok)
    expect(JSON.parse(run.out())).toBe(daemon.port)
  })
})

describe('electroncash-rpc CLI (as a process)', () => {
  const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))
  const spawnCli = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', cli, ...args],
        { env: { ...process.env, ...env } },
        (error, stdout, stderr) => {
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
        },
      )
    })

  it('runs health and call against the fake daemon and never prints the password', async () => {
    const daemon = await fakes.start()
    const health = await spawnCli(['health'], envFor(daemon.url) as Record<string, string>)
    expect(health.code).toBe(0)
    expect(JSON.parse(health.stdout).status).toBe('up')
    const call = await spawnCli(['call', 'getconfig', 'rpcpassword'], envFor(daemon.url) as Record<string, string>)
    expect(call.code).toBe(0)
    expect(JSON.parse(call.stdout)).toBe('<redacted>')
    await daemon.stop()
    const down = await spawnCli(['call', 'getbalance'], envFor(daemon.url) as Record<string, string>)
    expect(down.code).toBe(1)
    expect(down.stdout + down.stderr + health.stdout + call.stdout).not.toContain(TEST_PASSWORD)
  }, 30_000)
})
