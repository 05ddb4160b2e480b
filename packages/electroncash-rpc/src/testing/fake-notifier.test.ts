import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createElectronCashClient } from '../client.js'
import { CAPTURED_RECEIVING_ADDRESSES } from './addresses.js'
import { type FakeDaemon, startFakeDaemon } from './fake-daemon.js'
import { addressStatus } from './fake-notifier.js'

const ADDRESS = CAPTURED_RECEIVING_ADDRESSES[0]!

let daemon: FakeDaemon | undefined
let receiver: Server | undefined
afterEach(async () => {
  await daemon?.close()
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)))
  daemon = undefined
  receiver = undefined
})

/** A loopback endpoint that records the JSON bodies POSTed to it. */
async function startReceiver(): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = []
  receiver = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk) => {
      text += chunk
    })
    req.on('end', () => {
      bodies.push({ contentType: req.headers['content-type'], method: req.method, body: JSON.parse(text) })
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, bodies }
}

async function subscribe(fake: FakeDaemon, url: string) {
  const client = createElectronCashClient({ url: fake.url, username: fake.username, password: fake.password, env: {} })
  expect(await client.notify({ address: ADDRESS, url })).toBe(true)
}

describe('fake daemon notify callbacks', () => {
  it('posts the current status at once, then a new status for a payment and for its confirmation', async () => {
    daemon = await startFakeDaemon()
    const hook = await startReceiver()
    await subscribe(daemon, hook.url)
    await daemon.notificationsSettled()
    expect(hook.bodies).toEqual([{ method: 'POST', contentType: 'application/json', body: { address: ADDRESS, status: null } }])

    daemon.credit(ADDRESS, '0.001')
    await daemon.notificationsSettled()
    daemon.mine()
    await daemon.notificationsSettled()
    const statuses = hook.bodies.map((entry) => (entry as { body: { status: string | null } }).body.status)
    expect(statuses).toHaveLength(3)
    expect(statuses[1]).toMatch(/^[0-9a-f]{64}$/)
    expect(statuses[2]).toMatch(/^[0-9a-f]{64}$/)
    expect(statuses[2]).not.toBe(statuses[1])
    expect(statuses[2]).toBe(addressStatus(daemon.wallet, ADDRESS))
    expect(daemon.notifications().every((sent) => sent.outcome === 'delivered')).toBe(true)
  })

  it('a block that does not touch the address sends nothing', async () => {
    daemon = await startFakeDaemon()
    const hook = await startReceiver()
    daemon.credit(ADDRESS, '0.001', { confirmations: 1 })
    await subscribe(daemon, hook.url)
    daemon.mine(3)
    daemon.credit(CAPTURED_RECEIVING_ADDRESSES[1]!, '0.002')
    await daemon.notificationsSettled()
    expect(hook.bodies).toHaveLength(1)
  })

  it('each notify call adds a callback, so a change is posted once per call, like the daemon', async () => {
    daemon = await startFakeDaemon()
    const hook = await startReceiver()
    await subscribe(daemon, hook.url)
    await subscribe(daemon, hook.url)
    daemon.credit(ADDRESS, '0.001')
    await daemon.notificationsSettled()
    expect(hook.bodies).toHaveLength(4)
  })

  it('a daemon that exits forgets its callbacks (a stop that is not an exit keeps them); the wallet is kept', async () => {
    daemon = await startFakeDaemon()
    const hook = await startReceiver()
    await subscribe(daemon, hook.url)
    await daemon.stop()
    await daemon.start()
    daemon.credit(ADDRESS, '0.001')
    await daemon.notificationsSettled()
    expect(hook.bodies).toHaveLength(2)
    await daemon.stop({ exit: true })
    await daemon.start()
    daemon.mine()
    await daemon.notificationsSettled()
    expect(hook.bodies).toHaveLength(2)
    expect(daemon.wallet.addressHistory(ADDRESS)).toHaveLength(1)
  })

  it('an unreachable callback URL is recorded as failed and the daemon keeps answering', async () => {
    daemon = await startFakeDaemon()
    const hook = await startReceiver()
    await new Promise((resolve) => receiver!.close(resolve))
    receiver = undefined
    await subscribe(daemon, hook.url)
    daemon.credit(ADDRESS, '0.001')
    await daemon.notificationsSettled()
    expect(daemon.notifications().map((sent) => sent.outcome)).toEqual(['failed', 'failed'])
    const client = createElectronCashClient({ url: daemon.url, username: daemon.username, password: daemon.password, env: {} })
    expect(await client.call('getbalance')).toMatchObject({ unconfirmed: '0.001' })
  })

  it('without an Electrum server nothing is posted; when one answers again the current status is', async () => {
    daemon = await startFakeDaemon({ networkStallSeconds: 30 })
    const hook = await startReceiver()
    await subscribe(daemon, hook.url)
    daemon.credit(ADDRESS, '0.001')
    await daemon.notificationsSettled()
    expect(hook.bodies).toEqual([])
    daemon.setNetworkStall(0)
    await daemon.notificationsSettled()
    expect(hook.bodies).toHaveLength(1)
    expect((hook.bodies[0] as { body: { status: string } }).body.status).toBe(addressStatus(daemon.wallet, ADDRESS))
  })

  it('offline, notify fails like the captured daemon and registers nothing', async () => {
    daemon = await startFakeDaemon({ offline: true })
    const hook = await startReceiver()
    const client = createElectronCashClient({ url: daemon.url, username: daemon.username, password: daemon.password, env: {} })
    await expect(client.notify({ address: ADDRESS, url: hook.url })).rejects.toThrow(/offline/i)
    daemon.setOffline(false)
    daemon.credit(ADDRESS, '0.001')
    await daemon.notificationsSettled()
    expect(daemon.notifications()).toEqual([])
  })
})
