/**
 * Address helpers for the fake daemon: CashAddr checksums (so `validateaddress` answers like the daemon) and
 * the receiving addresses the real 4.4.5 daemon derived for the captured throwaway wallet
 * (from /work/shared/reference/electroncash/captured.json, `listaddresses`).
 */
import { createHash } from 'node:crypto'

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const GENERATORS = [0x98f2bc8e61n, 0x79b76d99e2n, 0xf33e5fb3c4n, 0xae2eabe2a8n, 0x1e4f43e470n]
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** The captured wallet's receiving addresses in derivation order: the first 20 are the gap-limit pool. */
export const CAPTURED_RECEIVING_ADDRESSES = [
  'qz74hwfeyujgyx530x8we2ncfr2mjh5veqy0eu66ed',
  'qptn880r7c48vtycjmrpcxryu9c445r87ckl7xgxu0',
  'qpmmgy240n53ufq3c8ek4k64sxgqgqqkts2e0kkau4',
  'qpj80dddpze9jwkd426vtudhwu3k9hc4fsrku2xppq',
  'qp9nf50fdmlpeed2ftfd5a7daka4tsjsw5auu8tgph',
  'qrevmmj32aw35wujnqtcewvek8qad3v6quu6r4kz9d',
  'qrs2nttwmdju9wpdlk3u96ftmffjd3gqsufjdk8xwq',
  'qp2svgex5g9s6lkgufcxd8xentjzte40zsj8wjs5z4',
  'qzfmd0ptdhag9mw7p7pyhtw6yaewztpyes55k8mfhr',
  'qqu3lr6yms0xxw69uajtxn0aj7reqmjneyjyfr09ju',
  'qprvs9pm8r9dqvsnuku7mmrjxmxndm7p3gr2nlfahx',
  'qz3yr7wy6mgdqa0vr7et72cvnx4q6p93duvqm27kzd',
  'qq33ccyxcgt4g92chshgnedj867etnwd3um5s5pflq',
  'qpzu34qwsgv359k7uwz3het4l5c94h9l4s926nev9e',
  'qp8z3ht80k52p4eeeqa26afqmhnzvf7h6vmvtp3f8p',
  'qqdrw2e5k0fd2srrjn6dtgnd68zrafv5fqanc879vl',
  'qzd0f5ga538pn6nf3g78848k7wh9fpaf5567cnhdss',
  'qqdyxftehw7y68dzvkza8gtctgprc008dq86n6dpze',
  'qqzv6el2ehqyujy6rl72n4tcrcpwn0h7wyzu2r4yvw',
  'qphhzl84nd5mjp9j3rpwx36fgezv9wzv8guk4uz056',
  'qqq2c32evr328dhxdfgwg5ra4qtygch2rufq40wyqf',
  'qr8ujspgk4zsdrjdvyv49tznf7vehq7rzc9ph4dt2r',
] as const

function polymod(values: number[]): bigint {
  let checksum = 1n
  for (const value of values) {
    const top = checksum >> 35n
    checksum = ((checksum & 0x07ffffffffn) << 5n) ^ BigInt(value)
    GENERATORS.forEach((generator, bit) => {
      if ((top >> BigInt(bit)) & 1n) checksum ^= generator
    })
  }
  return checksum ^ 1n
}

function prefixValues(prefix: string): number[] {
  return [...prefix].map((char) => char.charCodeAt(0) & 31)
}

/** True for a mainnet CashAddr with a valid checksum, with or without the `bitcoincash:` prefix. */
export function isValidCashAddr(text: string): boolean {
  const lower = text.toLowerCase()
  if (text !== lower && text !== text.toUpperCase()) return false
  const [prefix, payload] = lower.includes(':') ? lower.split(':', 2) : ['bitcoincash', lower]
  if (prefix !== 'bitcoincash' || !payload || payload.length < 42) return false
  const values: number[] = []
  for (const char of payload) {
    const value = CHARSET.indexOf(char)
    if (value < 0) return false
    values.push(value)
  }
  return polymod([...prefixValues('bitcoincash'), 0, ...values]) === 0n
}

/** True for a mainnet legacy (base58check P2PKH/P2SH) address. */
export function isValidLegacyAddress(text: string): boolean {
  let value = 0n
  for (const char of text) {
    const digit = BASE58.indexOf(char)
    if (digit < 0) return false
    value = value * 58n + BigInt(digit)
  }
  const hex = value.toString(16).padStart(50, '0')
  if (hex.length !== 50) return false
  const bytes = Buffer.from(hex, 'hex')
  const body = bytes.subarray(0, 21)
  const check = createHash('sha256').update(createHash('sha256').update(body).digest()).digest().subarray(0, 4)
  return check.equals(bytes.subarray(21)) && (body[0] === 0x00 || body[0] === 0x05)
}

/** Encodes a 20-byte hash as an unprefixed P2PKH CashAddr, the way the daemon returns addresses. */
export function encodeCashAddr(hash: Uint8Array): string {
  const bytes = [0, ...hash]
  const values: number[] = []
  let accumulator = 0
  let bits = 0
  for (const byte of bytes) {
    accumulator = (accumulator << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      values.push((accumulator >> bits) & 31)
    }
  }
  if (bits > 0) values.push((accumulator << (5 - bits)) & 31)
  const checksum = polymod([...prefixValues('bitcoincash'), 0, ...values, 0, 0, 0, 0, 0, 0, 0, 0])
  for (let i = 7; i >= 0; i--) values.push(Number((checksum >> BigInt(5 * i)) & 31n))
  return values.map((value) => CHARSET[value]).join('')
}

/** A deterministic, valid address for index `n` beyond the captured ones. */
export function deriveAddress(seed: string, index: number): string {
  return encodeCashAddr(createHash('sha256').update(`${seed}:${index}`).digest().subarray(0, 20))
}

/** Converts a valid CashAddr to its legacy base58check form (for `addressconvert`). */
export function cashAddrToLegacy(text: string): string {
  const payload = text
    .toLowerCase()
    .replace(/^bitcoincash:/, '')
    .slice(0, -8)
  let accumulator = 0
  let bits = 0
  const bytes: number[] = []
  for (const char of payload) {
    accumulator = (accumulator << 5) | CHARSET.indexOf(char)
    bits += 5
    if (bits >= 8) {
      bits -= 8
      bytes.push((accumulator >> bits) & 0xff)
    }
  }
  const version = (bytes[0] ?? 0) & 0x08 ? 0x05 : 0x00
  const body = Buffer.from([version, ...bytes.slice(1, 21)])
  const check = createHash('sha256').update(createHash('sha256').update(body).digest()).digest().subarray(0, 4)
  let value = BigInt(`0x${Buffer.concat([body, check]).toString('hex')}`)
  let out = ''
  while (value > 0n) {
    out = BASE58[Number(value % 58n)] + out
    value /= 58n
  }
  for (const byte of body) {
    if (byte !== 0) break
    out = `1${out}`
  }
  return out
}
