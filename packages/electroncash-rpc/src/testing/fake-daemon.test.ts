import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type FakeDaemon, type FakeDaemonOptions, startFakeDaemon } from './fake-daemon.js'
import { simulateTornWrite } from './torn-write.js'

/** Real request/response pairs from Electron Cash 4.4.5, copied from /work/shared/reference/electroncash/captured.json. */
interface Captured {
  name: string
  mode: 'offline' | 'noserver' | 'password-wallet'
  request: { httpMethod: string; path: string; headers: Record<string, string>; body: unknown }
  status: number
  reason: string
  responseHeaders?: Record<string, string>
  responseBody: unknown
}
const CAPTURED: Captured[] = JSON.parse(readFileSync(new URL('./fixtures/captured.json', import.meta.url), 'utf8'))
const byName = (name: string) => {
  const found = CAPTURED.find((entry) => entry.name === name)
  if (!found) throw new Error(`no captured pair ${name}`)
  return found
}

interface RawReply {
  status: number
  reason: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** Sends the captured request byte for byte (with this daemon's credentials) over plain node:http. */
function replay(daemon: FakeDaemon, entry: Captured): Promise<RawReply> {
  const headers: Record<string, string> = {}
  for (const [key, value] of Object.entries(entry.request.headers)) {
    if (key === 'Authorization') {
      if (value.startsWith('Basic')) {
        const password = value.includes('WRONG') ? 'WRONG-password' : daemon.password
        headers[key] = `Basic ${Buffer.from(`${daemon.username}:${password}`).toString('base64')}`
      } else headers[key] = 'Bearer abc'
    } else headers[key] = value
  }
  const body = entry.request.body
  const text = body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${daemon.url}${entry.request.path}`,
      {
        method: entry.request.httpMethod,
        headers: { ...headers, ...(body === null ? {} : { 'Content-Length': Buffer.byteLength(text) }) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(body === null ? undefined : text)
  })
}

const MODE_OPTIONS: Record<Captured['mode'], FakeDaemonOptions> = {
  offline: { offline: true },
  noserver: { networkStallSeconds: 0.01 },
  'password-wallet': { walletPassword: 'correct horse' },
}

let daemon: FakeDaemon | undefined
afterEach(async () => {
  await daemon?.close()
  daemon = undefined
})

async function replayOnFreshDaemon(name: string) {
  const entry = byName(name)
  daemon = await startFakeDaemon({ ...MODE_OPTIONS[entry.mode], badCredentialsDelayMs: 1 })
  return { entry, reply: await replay(daemon, entry) }
}

// Pairs whose reply does not depend on earlier calls in the capture session: the fake must answer them identically.
const EXACT = [
  'ping',
  'version',
  'version_jsonrpc1',
  'getbalance',
  'getbalance_jsonrpc1',
  'getunusedaddress',
  'validateaddress_valid_cashaddr',
  'validateaddress_valid_prefixed',
  'validateaddress_testnet_prefix_on_mainnet',
  'validateaddress_empty',
  'validateaddress_valid_legacy',
  'validateaddress_invalid',
  'validateaddress_invalid_checksum',
  'validateaddress_non_string',
  'addressconvert',
  'addressconvert_invalid',
  'ismine_true',
  'ismine_false',
  'getaddressbalance_offline',
  'getaddresshistory_offline',
  'getaddressunspent_offline',
  'broadcast_offline',
  'gettransaction_offline',
  'getinfo_offline',
  'getservers_offline',
  'notify_offline',
  'getfeerate_offline',
  'is_synchronized_offline',
  'list_wallets_offline',
  'history',
  'history_named',
  'listunspent',
  'getmpk',
  'addrequest_bad_amount',
  'getrequest_missing',
  'payto_no_funds',
  'payto_unsigned_no_funds',
  'paytomany_no_funds',
  'signtransaction_garbage',
  'commands',
  'daemon_status_offline',
  'run_cmdline_getbalance',
  'unknown_method',
  'bad_params_extra_positional',
  'bad_params_missing',
  'bad_params_unknown_named',
  'bad_params_wrong_type_year',
  'params_as_string',
  'empty_body',
  'empty_object',
  'no_id_no_jsonrpc',
  'notification_no_id',
  'id_null',
  'id_empty_string',
  'id_zero',
  'id_string',
  'params_omitted',
  'batch',
  'batch_empty',
  'batch_invalid_entries',
  'batch_only_notifications',
  'path_RPC2',
  'no_content_type',
  'content_type_text_plain',
  'jsonrpc_1_0_error_shape',
  'jsonrpc_version_1_explicit',
  'close_wallet_direct',
  'load_wallet_direct',
  'daemon_load_wallet_without_path',
  'noserver/ping',
  'noserver/version',
  'noserver/getinfo_no_server',
  'noserver/daemon_status_no_server',
  'noserver/list_wallets',
  'noserver/is_synchronized_no_server',
  'noserver/getfeerate_no_server',
  'noserver/getbalance_no_server',
  'noserver/history_no_server',
  'noserver/getunusedaddress',
  'noserver/notify_no_server',
  'noserver/getaddressbalance_no_server',
  'noserver/getaddresshistory_no_server',
  'noserver/getaddressunspent_no_server',
  'noserver/gettransaction_not_in_wallet_no_server',
  'noserver/broadcast_no_server',
  'noserver/broadcast_garbage_no_server',
  'noserver/close_wallet',
  'noserver/load_wallet',
  'noserver/run_cmdline_getbalance',
  'noserver/run_cmdline_unloaded_wallet',
  'noserver/run_cmdline_clearrequests',
  'noserver/daemon_stop',
  'pwwallet/getbalance_pw',
  'pwwallet/getseed_no_password',
  'pwwallet/getseed_wrong_password',
  'pwwallet/signmessage_no_password',
  'pwwallet/payto_no_password',
  'pwwallet/payto_unsigned_no_password',
  'pwwallet/payto_wrong_password',
  'wrong_password',
  'no_auth',
  'bearer_auth',
  'get_method',
  'get_method_no_auth',
  'wrong_path',
  'http_put',
]

describe('fake daemon replays the captured Electron Cash 4.4.5 pairs', () => {
  it.each(EXACT)('answers %s exactly like the real daemon', async (name) => {
    const { entry, reply } = await replayOnFreshDaemon(name)
    expect(reply.status).toBe(entry.status)
    expect(reply.reason).toBe(entry.reason)
    const expected = entry.responseBody
    if (typeof expected === 'string') expect(reply.body).toBe(expected)
    else expect(JSON.parse(reply.body)).toEqual(expected)
    const contentType = Object.entries(entry.responseHeaders ?? {}).find(([key]) => key.toLowerCase() === 'content-type')?.[1]
    if (contentType) expect(reply.headers['content-type']).toBe(contentType)
    expect(reply.headers['www-authenticate']).toBeUndefined()
  })

  it('answers malformed JSON with -32700 echoing the raw body', async () => {
    const { reply } = await replayOnFreshDaemon('malformed_json')
    const body = JSON.parse(reply.body)
    expect(body.id).toBeNull()
    expect(body.error.code).toBe(-32700)
    expect(body.error.message).toMatch(/^Request \{"jsonrpc":"2.0","id":1,"method":"version", invalid\. \(JSONDecodeError:/)
  })

  it('answers ismine with an invalid address with the AddressError text', async () => {
    const { entry, reply } = await replayOnFreshDaemon('ismine_invalid')
    expect(JSON.parse(reply.body)).toEqual(entry.responseBody)
  })

  it('answers a chunked body without Content-Length with HTTP 500 and the jsonrpclib TypeError', async () => {
    daemon = await startFakeDaemon()
    const auth = `Basic ${Buffer.from(`${daemon.username}:${daemon.password}`).toString('base64')}`
    const reply = await new Promise<RawReply>((resolve, reject) => {
      const req = httpRequest(
        daemon!.url,
        { method: 'POST', headers: { Authorization: auth, 'Transfer-Encoding': 'chunked' } },
        (res) => {
          let body = ''
          res.on('data', (chunk) => {
            body += chunk
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, reason: '', headers: res.headers, body }))
        },
      )
      req.on('error', reject)
      req.end(JSON.stringify(byName('chunked_body_no_content_length').request.body))
    })
    expect(reply.status).toBe(500)
    expect(JSON.parse(reply.body)).toEqual(byName('chunked_body_no_content_length').responseBody)
  })
})

describe('fake daemon wallet', () => {
  it('addrequest reproduces the captured amounts: strings exact, floats truncated, sub-satoshi truncated', async () => {
    daemon = await startFakeDaemon({ offline: true })
    for (const name of ['addrequest_string_amount', 'addrequest_float_amount', 'addrequest_int_amount']) {
      const entry = byName(name)
      const reply = JSON.parse((await replay(daemon, entry)).body)
      const expected = (entry.responseBody as { result: Record<string, unknown> }).result
      const { time: _t, id: _i, ...rest } = expected
      expect(reply.result).toMatchObject(rest)
    }
    for (const name of ['float_amount_0_57', 'string_amount_0_57', 'string_amount_too_precise', 'addrequest_negative']) {
      const entry = byName(name)
      const reply = JSON.parse((await replay(daemon, entry)).body)
      const expected = (entry.responseBody as { result: Record<string, unknown> }).result
      expect(reply.result.amount).toBe(expected['amount'])
      expect(reply.result['amount (BCH)']).toBe(expected['amount (BCH)'])
    }
  })

  it('exhausts the receiving pool after 20 requests like the captured fill sequence, then force derives a new address', async () => {
    daemon = await startFakeDaemon({ offline: true })
    for (let i = 0; i < 20; i++) {
      const reply = JSON.parse((await replay(daemon, byName(`addrequest_fill_${i}`))).body)
      expect(reply.result.amount).toBe(
        (byName(`addrequest_fill_${i}`).responseBody as { result: { amount: number } }).result.amount,
      )
    }
    expect(JSON.parse((await replay(daemon, byName('addrequest_fill_20'))).body)).toEqual(
      byName('addrequest_fill_20').responseBody,
    )
    expect(JSON.parse((await replay(daemon, byName('getunusedaddress_when_pool_exhausted'))).body)).toEqual(
      byName('getunusedaddress_when_pool_exhausted').responseBody,
    )
    const forced = JSON.parse((await replay(daemon, byName('addrequest_force'))).body)
    expect(forced.result.amount).toBe(50_000_000)
    expect(daemon.requests()).toHaveLength(21)
  })

  it('rmrequest answers true then false, as captured', async () => {
    daemon = await startFakeDaemon({ offline: true })
    await replay(daemon, byName('addrequest_string_amount'))
    expect(JSON.parse((await replay(daemon, byName('rmrequest'))).body)).toEqual(byName('rmrequest').responseBody)
    expect(JSON.parse((await replay(daemon, byName('rmrequest_again'))).body)).toEqual(byName('rmrequest_again').responseBody)
  })

  it('a credited payment shows in getbalance, then confirms when blocks are mined', async () => {
    daemon = await startFakeDaemon()
    const address = daemon.wallet.addresses[0]!
    daemon.credit(address, '0.29')
    expect(daemon.wallet.balance()).toEqual({ confirmed: 0n, unconfirmed: 29_000_000n })
    daemon.mine()
    expect(daemon.wallet.balance()).toEqual({ confirmed: 29_000_000n, unconfirmed: 0n })
  })

  it('executes one request at a time: a stalled network call holds up a ping', async () => {
    daemon = await startFakeDaemon({ networkStallSeconds: 0.2 })
    const order: string[] = []
    const balance = replay(daemon, byName('noserver/getaddressbalance_no_server')).then(() => order.push('getaddressbalance'))
    const ping = replay(daemon, byName('ping')).then(() => order.push('ping'))
    await Promise.all([balance, ping])
    expect(order).toEqual(['getaddressbalance', 'ping'])
  })
})

describe('fake daemon: behaviours payment services must be tested against', () => {
  /** One JSON-RPC call over plain node:http; resolves with the reply's `result` (or `error`). */
  async function rpc(method: string, params: unknown = []): Promise<unknown> {
    const reply = await replay(daemon!, {
      name: method,
      mode: 'offline',
      request: {
        httpMethod: 'POST',
        path: '/',
        headers: { Authorization: 'Basic x' },
        body: { jsonrpc: '2.0', id: 1, method, params },
      },
      status: 200,
      reason: 'OK',
      responseBody: null,
    })
    const body = JSON.parse(reply.body) as { result?: unknown; error?: unknown }
    return 'error' in body ? body.error : body.result
  }

  it('close_wallet takes the wallet out of the list while getbalance keeps answering, as captured', async () => {
    daemon = await startFakeDaemon({ networkStallSeconds: 0.01 })
    for (const name of [
      'noserver/close_wallet',
      'noserver/list_wallets_after_close',
      'noserver/getbalance_after_close',
      'noserver/load_wallet',
      'noserver/list_wallets_after_load',
    ]) {
      const entry = byName(name)
      const reply = await replay(daemon, entry)
      expect({ name, body: JSON.parse(reply.body) }).toEqual({ name, body: entry.responseBody })
    }
    expect(await rpc('getinfo')).toMatchObject({ wallets: { '/srv/electron-cash/wallets/default_wallet': false } })
  })

  it('a stall keeps the daemon busy with one request (the next waits) until released, then answers both in order', async () => {
    daemon = await startFakeDaemon()
    daemon.inject({ type: 'stall' }, { times: 1 })
    const order: string[] = []
    const first = rpc('getbalance').then(() => order.push('getbalance'))
    const second = rpc('version').then(() => order.push('version'))
    await vi.waitFor(() => expect(daemon?.stalled).toBe(1), { timeout: 30_000 })
    expect(daemon.calls).toEqual([])
    await daemon.releaseStalled()
    await Promise.all([first, second])
    expect(order).toEqual(['getbalance', 'version'])
    expect(daemon.calls.map((c) => c.method)).toEqual(['getbalance', 'version'])
  })

  it('labels set with setlabel come back from listaddresses as Python repr() text', async () => {
    daemon = await startFakeDaemon()
    const [a, b, c] = daemon.wallet.addresses
    await rpc('setlabel', [a, "it's"])
    await rpc('setlabel', [b, `it's a "label"`])
    await rpc('setlabel', [c, 'tab\tbell\u0007 caf\u00e9'])
    const rows = (await rpc('listaddresses', { labels: true })) as string[][]
    expect(rows.slice(0, 4).map((row) => row[1])).toEqual([`"it's"`, `'it\\'s a "label"'`, "'tab\\tbell\\x07 caf\u00e9'", "''"])
  })

  it('setSynchronized(false) shows in getinfo, list_wallets and is_synchronized', async () => {
    daemon = await startFakeDaemon()
    daemon.setSynchronized(false)
    expect(await rpc('is_synchronized')).toBe(false)
    expect(await rpc('list_wallets')).toEqual([{ path: '/srv/electron-cash/wallets/default_wallet', synchronized: false }])
    expect(await rpc('getinfo')).toMatchObject({
      connected: true,
      wallets: { '/srv/electron-cash/wallets/default_wallet': false },
    })
  })

  it('help lists the commands; create answers a seed, path and message', async () => {
    daemon = await startFakeDaemon()
    expect(await rpc('help')).toEqual(((await rpc('commands')) as string).split(' '))
    expect(await rpc('create', { wallet_path: '/tmp/w' })).toMatchObject({ seed: expect.any(String), path: '/tmp/w' })
  })

  it('simulateTornWrite leaves part of a JSON line without its newline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ec-torn-'))
    try {
      const path = join(dir, 'store.jsonl')
      writeFileSync(path, '{"whole":true}\n')
      await simulateTornWrite(path, { invoice: { id: 'x' } })
      const text = readFileSync(path, 'utf8')
      expect(text.startsWith('{"whole":true}\n{"invoice":')).toBe(true)
      expect(text.endsWith('\n')).toBe(false)
      expect(() => JSON.parse(text.split('\n')[1]!)).toThrow()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
