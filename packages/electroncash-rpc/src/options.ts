/** Client options, their defaults, and the construction-time validation of URLs and credentials. */
import { ConfigError } from './errors.js'

/** One daemon. Credentials default to the client's `username`/`password`. */
export interface EndpointOptions {
  /** `http(s)://host:port[/path]`; credentials in the URL are moved into the Authorization header. */
  url: string
  /** RPC user for this endpoint. Default: the client's `username`. */
  username?: string
  /** RPC password for this endpoint. Default: the client's `password`. */
  password?: string
}

/** A resolved endpoint: `url` never carries credentials; the header lives only here. */
export interface Endpoint {
  /** The URL without credentials, safe to print. */
  readonly url: string
  /** Priority order, 0 = primary. */
  readonly index: number
  /** The `Authorization` header value. Never printed. */
  readonly authorization: string
}

const DEFAULT_PORT = 7777

/** Reads a daemon URL, moving `user:pass@` out of it. Throws `ConfigError` with a fix-it message. */
export function parseEndpoint(
  input: EndpointOptions,
  index: number,
  defaults: { username?: string | undefined; password?: string | undefined },
): Endpoint {
  let parsed: URL
  try {
    parsed = new URL(input.url)
  } catch {
    const port = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?[^/:]*:(\d+)/i.exec(input.url)?.[1]
    if (port !== undefined && Number(port) > 65535)
      throw new ConfigError(`endpoint ${index + 1} port ${port} is out of range 1-65535`)
    // The raw input may contain credentials: describe it without echoing it.
    throw new ConfigError(
      `endpoint ${index + 1} is not a valid URL; use http://host:${DEFAULT_PORT} (Electron Cash listens on rpcport, usually ${DEFAULT_PORT})`,
    )
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(
      `endpoint ${index + 1} uses ${parsed.protocol.replace(':', '')}; the daemon speaks http (or https behind a proxy)`,
    )
  }
  if (parsed.port !== '' && (Number(parsed.port) < 1 || Number(parsed.port) > 65535)) {
    throw new ConfigError(`endpoint ${index + 1} port ${parsed.port} is out of range 1-65535`)
  }
  const urlUser = decodeURIComponent(parsed.username)
  const urlPassword = decodeURIComponent(parsed.password)
  parsed.username = ''
  parsed.password = ''
  const url = parsed.toString().replace(/\/$/, '')
  const username = input.username ?? (urlUser || defaults.username)
  const password = input.password ?? (urlPassword || defaults.password)
  if (!username || password === undefined) {
    throw new ConfigError(
      `no credentials for ${url}: pass username and password (or set ELECTRONCASH_RPC_USER and ELECTRONCASH_RPC_PASSWORD); ` +
        'they are rpcuser/rpcpassword in the daemon config',
    )
  }
  return {
    url,
    index,
    authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
  }
}

/** Builds the endpoint list from `url`/`endpoints` or, failing both, from the environment. */
export function resolveEndpoints(options: {
  url?: string | undefined
  endpoints?: readonly (string | EndpointOptions)[] | undefined
  username?: string | undefined
  password?: string | undefined
  env?: Record<string, string | undefined> | undefined
}): Endpoint[] {
  const env = options.env ?? {}
  const defaults = {
    username: options.username ?? env['ELECTRONCASH_RPC_USER'],
    password: options.password ?? env['ELECTRONCASH_RPC_PASSWORD'],
  }
  const list: (string | EndpointOptions)[] = options.endpoints
    ? [...options.endpoints]
    : options.url !== undefined
      ? [options.url]
      : env['ELECTRONCASH_URL']
        ? env['ELECTRONCASH_URL'].split(',').map((url) => url.trim())
        : []
  if (list.length === 0) {
    throw new ConfigError(`no daemon URL: pass url (e.g. http://127.0.0.1:${DEFAULT_PORT}) or endpoints, or set ELECTRONCASH_URL`)
  }
  return list.map((entry, index) => parseEndpoint(typeof entry === 'string' ? { url: entry } : entry, index, defaults))
}

export function positiveNumber(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigError(`${name} must be a positive number of milliseconds, got ${value}`)
  return value
}
