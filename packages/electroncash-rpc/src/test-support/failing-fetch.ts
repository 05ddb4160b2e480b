/** Test helper: a fetch that fails like undici does (TypeError 'fetch failed' with a system error as cause). */

/** The error `fetch` throws for a system error code such as `ECONNREFUSED` or `ECONNRESET`. */
export const fetchFailure = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) })

/**
 * A fetch whose first calls fail with `codes` in turn; after them it calls `then` (by default: every later call
 * fails with the last code).
 */
export function failingFetch(codes: readonly string[], then?: typeof globalThis.fetch) {
  let calls = 0
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const index = calls++
    if (index < codes.length || !then) throw fetchFailure(codes[Math.min(index, codes.length - 1)]!)
    return then(input, init)
  }
  return { fetch, calls: () => calls }
}

/** A fetch that answers every JSON-RPC request with `result` (and the request's id). */
export const answering =
  (result: unknown): typeof globalThis.fetch =>
  async (_url, init) => {
    const { id } = JSON.parse(String(init?.body)) as { id: number }
    return new Response(JSON.stringify({ jsonrpc: '2.0', id, result }))
  }
