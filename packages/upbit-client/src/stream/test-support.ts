/** Test doubles for the stream tests: a manual clock and a scripted WebSocket. Not exported from the package. */
import { EventEmitter } from 'node:events'
import type { StreamClock } from './clock.js'
import type { WebSocketConstructor, WebSocketLike } from './connection.js'
import type { UpbitStreams } from './streams.js'

/** A clock that only moves when told. `advance` runs due timers in time order, letting promises settle between. */
export class ManualClock implements StreamClock {
  private time = 1_750_000_000_000
  private timers = new Map<number, { at: number; callback: () => void }>()
  private nextId = 1

  now(): number {
    return this.time
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++
    this.timers.set(id, { at: this.time + Math.max(0, ms), callback })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number)
  }
  /** Pending timers (diagnostics). */
  get pending(): number {
    return this.timers.size
  }
  async advance(ms: number): Promise<void> {
    const target = this.time + ms
    for (;;) {
      await settle()
      let next: [number, { at: number; callback: () => void }] | undefined
      for (const entry of this.timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry
      if (!next) break
      this.timers.delete(next[0])
      this.time = Math.max(this.time, next[1].at)
      next[1].callback()
    }
    this.time = target
    await settle()
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** A scripted WebSocket: the test decides when it opens, what it answers and when it closes. */
export class FakeSocket extends EventEmitter implements WebSocketLike {
  readyState = 0
  readonly sent: unknown[] = []
  pings = 0
  constructor(
    readonly url: string,
    readonly options: { headers: Record<string, string> },
  ) {
    super()
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data))
  }
  ping(): void {
    this.pings++
  }
  terminate(): void {
    if (this.readyState === 3) return
    const wasOpen = this.readyState === 1
    this.readyState = 3
    if (!wasOpen) this.emit('error', new Error('terminated before open'))
    this.emit('close', 1006, Buffer.alloc(0))
  }
  /** Completes the upgrade. */
  open(): void {
    this.readyState = 1
    this.emit('open')
  }
  /** Refuses the upgrade with an HTTP status and body. */
  refuse(status: number, body = ''): void {
    const response = new EventEmitter() as EventEmitter & { statusCode: number; headers: Record<string, string> }
    response.statusCode = status
    response.headers = {}
    this.emit('unexpected-response', { destroy: () => this.terminate() }, response)
    response.emit('data', Buffer.from(body))
    response.emit('end')
  }
  /** A frame from the server (binary UTF-8 JSON, as Upbit sends). */
  receive(message: unknown): void {
    this.emit('message', Buffer.from(typeof message === 'string' ? message : JSON.stringify(message)))
  }
  /** Answers our last LIST_SUBSCRIPTIONS with what we last subscribed to. */
  answerList(): void {
    const request = [...this.sent].reverse().find((m) => Array.isArray(m) && m.some((o) => o?.type)) as
      | Array<Record<string, unknown>>
      | undefined
    const list = [...this.sent].reverse().find((m) => Array.isArray(m) && m[0]?.method === 'LIST_SUBSCRIPTIONS') as
      | Array<Record<string, unknown>>
      | undefined
    const result = (request ?? []).filter((o) => o.type).map((o) => ({ type: o.type, codes: o.codes ?? [] }))
    this.receive({ method: 'LIST_SUBSCRIPTIONS', result, ticket: list?.[1]?.ticket })
  }
}

/** A WebSocket constructor whose instances the test can reach. */
export function fakeWebSocket(): { WebSocket: WebSocketConstructor; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = []
  const WebSocket = class extends FakeSocket {
    constructor(url: string, options: { headers: Record<string, string> }) {
      super(url, options)
      sockets.push(this)
    }
  } as unknown as WebSocketConstructor
  return { WebSocket, sockets }
}

/** Resolves at the next confirmation of each connection kind (listen before causing the reconnect). */
export function nextConfirmation(streams: UpbitStreams, kinds: Array<'public' | 'private'>): Promise<void> {
  return Promise.all(
    kinds.map(
      (kind) =>
        new Promise<void>((resolve) => {
          const listener = (s: { connection: string; state: string }) => {
            if (s.connection === kind && s.state === 'confirmed') {
              streams.off('state', listener)
              resolve()
            }
          }
          streams.on('state', listener)
        }),
    ),
  ).then(() => undefined)
}
