/** listaddresses labels come as Python repr() text; they are decoded exactly, quotes, escapes and non-ASCII included. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from './errors.js'
import { decodePythonStringRepr } from './python-repr.js'
import { useFakeDaemons } from './test-support/daemons.js'
import { pythonStrRepr } from './testing/python-repr.js'

const fakes = useFakeDaemons()

describe('Python repr() of a label', () => {
  it.each([
    ["''", ''],
    ["'plain'", 'plain'],
    [`"it's"`, "it's"],
    [`'it\\'s a "label"'`, `it's a "label"`],
    [`'say "hi"'`, 'say "hi"'],
    ["'back\\\\slash'", 'back\\slash'],
    ["'tab\\tnew\\nline\\rcr'", 'tab\tnew\nline\rcr'],
    ["'bell\\x07 del\\x7f nbsp\\xa0'", 'bell\u0007 del\u007f nbsp\u00a0'],
    ["'caf\u00e9 \u20bf \ud83d\ude00'", 'caf\u00e9 \u20bf \ud83d\ude00'],
    ["'line\\u2028sep'", 'line\u2028sep'],
    ["'\\U000e0001 tag'", '\u{e0001} tag'],
  ])('decodes %s', (repr, text) => {
    expect(decodePythonStringRepr(repr)).toBe(text)
  })

  it('decodes whatever Python would print for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        expect(decodePythonStringRepr(pythonStrRepr(text))).toBe(text)
      }),
      { numRuns: 500, seed: 13 },
    )
  })

  it.each(['plain', "'unterminated", "'bad \\q escape'", `'it's'`, "'\\x4'", "'\\"])(
    'error: %j is not a Python string repr',
    (repr) => {
      expect(() => decodePythonStringRepr(repr)).toThrow(SyntaxError)
    },
  )
})

describe('listAddresses({ labels: true })', () => {
  it('returns the labels exactly as they were set', async () => {
    const daemon = await fakes.start()
    const client = fakes.connect(daemon)
    const labels = ["it's", `it's a "label"`, 'tab\there \\ back', 'caf\u00e9 \u20bf \ud83d\ude00', 'bell\u0007']
    const addresses = daemon.wallet.addresses.slice(0, labels.length)
    for (const [i, label] of labels.entries()) await client.setLabel({ key: addresses[i]!, label })
    const rows = await client.listAddresses({ labels: true, balance: true })
    expect(rows.slice(0, labels.length).map((row) => row.label)).toEqual(labels)
    expect(rows[labels.length]).toMatchObject({ label: '', balance: 0n })
  })

  it('error: a label that is not a Python repr is a ProtocolError, not a half-decoded string', async () => {
    const fetch: typeof globalThis.fetch = async (_url, init) => {
      const { id } = JSON.parse(String(init?.body))
      return new Response(JSON.stringify({ jsonrpc: '2.0', id, result: [['qz74hwfeyujgyx530x8we2ncfr2mjh5veqy0eu66ed', 'x']] }))
    }
    const { createElectronCashClient } = await import('./client.js')
    const client = createElectronCashClient({ url: 'http://127.0.0.1:1', username: 'u', password: 'p', env: {}, fetch })
    await expect(client.listAddresses({ labels: true })).rejects.toBeInstanceOf(ProtocolError)
  })
})
