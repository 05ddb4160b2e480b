/** One HTTP POST to one daemon, with its failures turned into this package's errors. */
import { AuthError, ConnectionError, ProtocolError } from './errors.js'
import type { Endpoint } from './options.js'

export interface PostOptions {
  endpoint: Endpoint
  /** For messages only: the JSON-RPC method or `'batch'`. */
  method: string
  body: string
  /**
   * Closes the connection. The client aborts a request only when it gives up on the daemon (hung, or the client is
   * closed): a timeout alone leaves the request open, since the daemon is still executing it.
   */
  signal: AbortSignal
  fetch: typeof globalThis.fetch
}

/** Connection failures that happen before any byte of the request is sent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'])

/** Finds the system error code in fetch's cause chain (undici nests it, sometimes in an AggregateError). */
export function findErrno(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && /^E[A-Z]+$|^UND_ERR/.test(code)) return code
  const nested = (error as { errors?: unknown }).errors
  if (Array.isArray(nested)) {
    for (const inner of nested) {
      const found = findErrno(inner, depth + 1)
      if (found) return found
    }
  }
  return findErrno((error as { cause?: unknown }).cause, depth + 1)
}

const DESCRIBE: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the daemon running and listening on this port?)',
  ENOTFOUND: 'host not found (check the hostname / container name)',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the daemon',
  UND_ERR_SOCKET: 'the connection closed before the reply was complete',
}

function connectionError(options: PostOptions, error: unknown, phase: 'request' | 'response'): ConnectionError {
  const errno = findErrno(error)
  const sent = phase === 'response' || !(errno && NOT_SENT_CODES.has(errno))
  const what = (errno && DESCRIBE[errno]) ?? (error instanceof Error ? error.message : String(error))
  const next = sent
    ? 'the daemon may have executed it; unsafe calls are not repeated automatically'
    : 'the request never reached the daemon'
  return new ConnectionError(`${options.method} to ${options.endpoint.url} failed: ${what}; ${next}.`, {
    url: options.endpoint.url,
    method: options.method,
    sent,
    errno,
    cause: error,
  })
}

function snippet(text: string): string {
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return plain.length > 160 ? `${plain.slice(0, 160)}…` : plain
}

/**
 * POSTs a JSON-RPC body; resolves to the parsed JSON reply, or `undefined` for the daemon's empty notification
 * reply. It has no timeout of its own: the client races it against the call's timeout and keeps it running after.
 */
export async function postJsonRpc(options: PostOptions): Promise<unknown> {
  const { endpoint, method } = options
  const place = { url: endpoint.url, method }
  if (options.signal.aborted) throw options.signal.reason
  const failed = (error: unknown, phase: 'request' | 'response'): never => {
    if (options.signal.aborted) throw options.signal.reason
    throw connectionError(options, error, phase)
  }
  let response: Response
  let text: string
  try {
    response = await options.fetch(endpoint.url, {
      method: 'POST',
      headers: { Authorization: endpoint.authorization, 'Content-Type': 'application/json' },
      body: options.body,
      signal: options.signal,
    })
  } catch (error) {
    return failed(error, 'request')
  }
  try {
    text = await response.text()
  } catch (error) {
    return failed(error, 'response')
  }
  if (response.status === 401 || response.status === 403) {
    throw new AuthError({ url: endpoint.url, status: response.status, reason: response.statusText || 'Unauthorized' })
  }
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    throw new ConnectionError(
      `${method} to ${endpoint.url} failed: HTTP ${response.status} ${response.statusText} from a proxy in front of the daemon ` +
        `(${snippet(text)}); the daemon may be down or restarting.`,
      { ...place, sent: true, errno: `HTTP_${response.status}` },
    )
  }
  if (response.status !== 200) {
    throw new ProtocolError(
      `${method} to ${endpoint.url} got HTTP ${response.status} ${response.statusText}: ${snippet(text)}; ` +
        'check that the URL points at the daemon (path / or /RPC2).',
      { ...place, status: response.status },
    )
  }
  // The daemon answers `application/json-rpc`: parse by content, not by content type.
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ProtocolError(`${method} to ${endpoint.url} got a reply that is not JSON: ${snippet(text)}`, {
      ...place,
      status: response.status,
      cause: error,
    })
  }
}
