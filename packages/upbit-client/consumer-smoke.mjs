// Run by scripts/check-packages.mjs against the installed tarball: one real call per entry point.
import assert from 'node:assert/strict'

export default {
  '.': (m) => {
    assert.equal(m.toDecimalString(1e-7), '0.0000001')
    assert.equal(m.roundToTick('1234567', 'KRW-BTC', 'down'), '1234000')
    assert.match(
      m.prepareRequest('GET', '/v1/accounts', undefined, { accessKey: 'a', secretKey: 's' }).headers.authorization,
      /^Bearer /,
    )
  },
  './redis': (m) => {
    // ioredis is an optional peer: the entry loads without it, and the store refuses to start without a client.
    assert.deepEqual(m.fallbackShare({ limit: 30, intervalMs: 1000 }, 4), { limit: 7, intervalMs: 1000 })
    assert.throws(() => m.createRedisLimiterStore({ pocket: 'p' }), /needs `redis`/)
  },
  './testing': async (m) => {
    const sim = await m.startUpbitSimulator()
    try {
      const response = await fetch(`${sim.baseUrl}/v1/ticker?markets=KRW-BTC`)
      assert.equal((await response.json())[0].trade_price, 100000000)
    } finally {
      await sim.close()
    }
  },
}
