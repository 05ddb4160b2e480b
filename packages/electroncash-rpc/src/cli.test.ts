import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { type CliIo, runCli } from './cli-main.js'
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

  it('wait resolves once the daemon answers with a wallet, and fails with the reason on timeout', async () => {
    const daemon = await fakes.start({ walletLoaded: false })
    const failing = io(envFor(daemon.url))
    expect(await runCli(['wait', '--timeout', '1000'], failing.streams)).toBe(1)
    expect(failing.err()).toContain('daemon up but no wallet loaded')
    daemon.setWalletLoaded(true)
    const ok = io(envFor(daemon.url))
    expect(await runCli(['wait', '--timeout', '2000'], ok.streams)).toBe(0)
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

  it('missing configuration is a usage error that names the variable to set', async () => {
    const run = io({})
    expect(await runCli(['health'], run.streams)).toBe(2)
    expect(run.err()).toMatch(/ELECTRONCASH_URL/)
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
    const call = await spawnCli(['call', 'getconfig', 'rpcport'], envFor(daemon.url) as Record<string, string>)
    expect(call.code).toBe(0)
    expect(JSON.parse(call.stdout)).toBe(daemon.port)
    await daemon.stop()
    const down = await spawnCli(['call', 'getbalance'], envFor(daemon.url) as Record<string, string>)
    expect(down.code).toBe(1)
    expect(down.stdout + down.stderr + health.stdout + call.stdout).not.toContain(TEST_PASSWORD)
  }, 30_000)
})
