// Run by scripts/check-packages.mjs against the installed tarball: one real call per entry point.
import assert from 'node:assert/strict'

export default {
  '.': (m) => assert.equal(m.toRpcAmount(29_000_000n), '0.29'),
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
}
