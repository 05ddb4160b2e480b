import { describe, expect, it } from 'vitest'
import { useServers } from './test-support/test-server.js'

const servers = useServers()

describe('dashboard assets', () => {
  it('serves the page, the bundle and the styles from this server only (no CDN), without a token', async () => {
    const app = await servers.start({ logDir: servers.tempDir(), dashboard: true })
    const page = await app.get('/', { token: null })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
    const script = await app.get('/assets/app.js', { token: null })
    const styles = await app.get('/assets/app.css', { token: null })
    expect(script.headers.get('content-type')).toMatch(/javascript/)
    expect(styles.headers.get('content-type')).toMatch(/text\/css/)
    // lightweight-charts is bundled in, not fetched. Its only address is the TradingView attribution link its
    // licence asks for (a link the user may follow, never a request the page makes).
    expect(script.text).toContain('lightweight-charts')
    for (const text of [page.text, styles.text]) expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org)/)
    expect(
      script.text
        .match(/https?:\/\/[^"'`\s)]+/g)
        ?.filter((url) => !/^https?:\/\/(www\.w3\.org|www\.tradingview\.com)/.test(url)) ?? [],
    ).toEqual([])
    const etag = script.headers.get('etag')!
    expect((await app.get('/assets/app.js', { token: null, headers: { 'if-none-match': etag } })).status).toBe(304)
  })
})
