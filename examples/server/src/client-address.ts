import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import proxyaddr from 'proxy-addr'
import { ServerConfigError } from './errors.js'

/**
 * Which `X-Forwarded-For` hops to believe: `false` (none, the socket's address is the client), a number of proxies
 * in front of the server (`1` for one nginx), or their addresses/subnets (`'127.0.0.1'`, `'10.0.0.0/8'`, `'loopback'`).
 * Never `true`: trusting every hop lets any client choose its own address, and with it its rate-limit key.
 */
export type TrustProxy = false | number | string | readonly string[]

const NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

/** A compiled trust setting: is the hop at `index` (0 = the socket's peer) a proxy we trust? */
export type TrustFunction = (address: string, index: number) => boolean

const PERMISSIVE =
  'TRUST_PROXY=true (trustProxy: true) trusts every address in X-Forwarded-For, so any client could pick its own address and escape the rate limit. Set the number of proxies in front of the server (1 for one nginx) or their addresses (e.g. 127.0.0.1, loopback, 10.0.0.0/8)'

/** Validates and compiles the setting once; the same function serves Express (`req.ip`) and WebSocket upgrades. */
export function compileTrustProxy(setting: TrustProxy | boolean | undefined): TrustFunction {
  if (setting === true) throw new ServerConfigError(PERMISSIVE)
  if (setting === undefined || setting === false || setting === 0) return () => false
  if (typeof setting === 'number') {
    if (!Number.isInteger(setting) || setting < 0) {
      throw new ServerConfigError(`trustProxy (TRUST_PROXY) must be a whole number of proxies, got ${setting}.`)
    }
    return (_address, index) => index < setting
  }
  const list = (typeof setting === 'string' ? setting.split(',') : [...setting]).map((item) => item.trim()).filter(Boolean)
  if (list.length === 0) return () => false
  // proxy-addr would also take `0x1` or `10.1` as IPv4: only plain addresses, subnets and its three names pass.
  const invalid = list.find((item) => !NAMES.has(item) && isIP(item.split('/')[0]!) === 0)
  if (invalid !== undefined) {
    throw new ServerConfigError(
      `trustProxy (TRUST_PROXY) entry "${invalid.slice(0, 60)}" is not an address, a subnet or one of loopback, linklocal, uniquelocal`,
    )
  }
  try {
    return proxyaddr.compile(list)
  } catch (error) {
    throw new ServerConfigError(
      `trustProxy (TRUST_PROXY) has an entry that is not an address, subnet or name (loopback, linklocal, uniquelocal): ${(error as Error).message.replace(/^invalid IP address: /, '')}`,
    )
  }
}

/** The client's address as the trust setting allows us to know it: the same answer for HTTP requests and upgrades. */
export function clientAddress(req: IncomingMessage, trust: TrustFunction): string {
  return proxyaddr(req, trust)
}
