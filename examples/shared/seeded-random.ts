/**
 * mulberry32: a tiny seeded pseudo-random generator (uniform in [0, 1)), shared by the examples so generated data
 * (the bot's bundled candles, the server's log fixtures, the crash tests' plans) is reproducible from its seed.
 * Not for anything secret. One copy on purpose: the bundled candle file was generated with exactly this sequence.
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
