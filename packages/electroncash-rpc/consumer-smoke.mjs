// Run by scripts/check-packages.mjs against the installed tarball: one real call per entry point.
import assert from 'node:assert/strict'

export default {
  '.': async (m) => {
    assert.equal(m.toRpcAmount(29_000_000n), '0.29')
    // A typed call through retry (p-retry, inlined in the CJS build), transport and zod, with a stub fetch.
    const fetch = async (_url, init) => {
      const { id } = JSON.parse(init.body)
      return new Response(JSON.stringify({ result: { confirmed: '0.29' }, id, jsonrpc: '2.0' }))
    }
    const client = m.createElectronCashClient({ url: 'http://127.0.0.1:7777', username: 'u', password: 'p', env: {}, fetch })
    assert.deepEqual(await client.getBalance(), { confirmed: 29_000_000n, unconfirmed: 0n, unmatured: 0n })
  },
  './testing': async (m) => {
    const daemon = await m.startFakeDaemon()
    try {
      const auth = `Basic ${Buffer.from(`${daemon.username}:${daemon.password}`).toString('base64')}`
      const response = await fetch(daemon.url, {
        method: 'POST',
        headers: { Authorization: auth },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'version', params: [] }),
      })
      assert.deepEqual(await response.json(), { result: '4.4.5', id: 1, jsonrpc: '2.0' })
    } finally {
      await daemon.close()
    }
  },
  './postgres': async (m) => {
    assert.equal(m.PAYMENTS_SCHEMA_VERSION >= 1, true)
    // Nothing listens on port 1; without the optional pg package the error says to install it instead.
    const store = m.createPostgresInvoiceStore({ url: 'postgres://shop:secret@127.0.0.1:1/payments', attempts: 1 })
    const error = await store.load().catch((e) => e)
    await store.close()
    assert.equal(error.name, 'StoreError')
    assert.ok(!error.message.includes('secret'))
  },
}
