import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** The server's Prometheus metrics, in a registry of its own (no global state: two apps never share counters). */
export interface Metrics {
  registry: Registry
  httpDuration: Histogram<'method' | 'route' | 'status'>
  rpcCalls: Counter<'method' | 'outcome'>
  logReads: Counter<'kind'>
  logDiagnostics: Counter<'kind' | 'reason'>
  pageCacheBytes: Gauge
  wsClients: Gauge
  wsDropped: Counter<'reason'>
  wsMessages: Counter<'type'>
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry })
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    rpcCalls: new Counter({
      name: 'electroncash_rpc_calls_total',
      help: 'Electron Cash JSON-RPC calls by method and outcome (ok or the error code).',
      labelNames: ['method', 'outcome'],
      registers: [registry],
    }),
    logReads: new Counter({
      name: 'tradelog_reads_total',
      help: 'Trade-log queries served, by entry kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    logDiagnostics: new Counter({
      name: 'tradelog_read_diagnostics_total',
      help: 'Invalid lines skipped while reading the trade log, by kind and reason.',
      labelNames: ['kind', 'reason'],
      registers: [registry],
    }),
    pageCacheBytes: new Gauge({
      name: 'tradelog_page_cache_bytes',
      help: 'Bytes held by the cache of serialized log pages (bounded by pageCacheBytes).',
      registers: [registry],
    }),
    wsClients: new Gauge({ name: 'ws_clients', help: 'Connected WebSocket clients.', registers: [registry] }),
    wsDropped: new Counter({
      name: 'ws_clients_dropped_total',
      help: 'WebSocket clients disconnected by the server, by reason (slow, heartbeat).',
      labelNames: ['reason'],
      registers: [registry],
    }),
    wsMessages: new Counter({
      name: 'ws_messages_sent_total',
      help: 'Messages broadcast over /ws, by type.',
      labelNames: ['type'],
      registers: [registry],
    }),
  }
}
