import { describe, expect, it } from 'vitest'
import { createCursorCodec } from './cursor-codec.js'
import { BadRequestError } from './errors.js'

describe('cursor codec', () => {
  it('round-trips what it signed', () => {
    const codec = createCursorCodec('secret')
    const inner = JSON.stringify({ file: 'trades_20250801.jsonl', offset: 1234 })
    expect(codec.decode(codec.encode(inner))).toBe(inner)
  })

  it.each([
    ['a crafted path', `${Buffer.from('../../etc/passwd:0').toString('base64url')}.AAAAAAAAAAAAAAAAAAAAAA`],
    ['no signature', Buffer.from('trades_20250801.jsonl:0').toString('base64url')],
    ['garbage', '%%%'],
    ['an extra part', 'a.b.c'],
  ])('error: %s is refused with a 400 before it reaches the reader', (_name, cursor) => {
    const codec = createCursorCodec('secret')
    expect(() => codec.decode(cursor)).toThrow(BadRequestError)
  })

  it('error: a cursor signed by another server (or before a restart without CURSOR_SECRET) is refused', () => {
    const cursor = createCursorCodec('one').encode('x')
    expect(() => createCursorCodec('two').decode(cursor)).toThrow(/cursor/)
  })
})
