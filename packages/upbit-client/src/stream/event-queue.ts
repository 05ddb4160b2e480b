/**
 * The buffer between a stream and one async iterator. Memory is bounded: past `bufferSize` queued events the
 * stream's policy applies. `drop-oldest` forgets the oldest queued event (market data: the newer one supersedes
 * it); `error` ends the iterator with `UpbitStreamOverflowError` (order and asset events are never dropped
 * silently). A `key` conflates: an event whose key is already queued replaces it in place (candles, by start time).
 */

/** What an iterator does when its consumer falls `bufferSize` events behind. */
export type OverflowPolicy = 'drop-oldest' | 'error'

export interface EventQueueOptions<T> {
  bufferSize: number
  overflow: OverflowPolicy
  /** Events with the same key replace each other while queued. */
  key?: ((event: T) => string) | undefined
  /** The error an `error` overflow ends the iterator with. */
  overflowError: () => Error
  signal?: AbortSignal | undefined
  /** Called once when the iterator finishes for any reason (to unregister it). */
  onFinish: () => void
}

interface Slot<T> {
  value: T
  key: string | undefined
}

export class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly slots: Array<Slot<T> | undefined> = []
  private head = 0
  private readonly byKey = new Map<string, Slot<T>>()
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined
  private failure: unknown
  private finished = false
  /** Events dropped by the `drop-oldest` policy so far. */
  dropped = 0

  constructor(private readonly options: EventQueueOptions<T>) {
    const signal = options.signal
    if (signal) {
      const onAbort = () => this.fail(signal.reason)
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    }
  }

  /** Queued events not yet taken. */
  get size(): number {
    return this.slots.length - this.head
  }

  push(value: T): void {
    if (this.finished) return
    if (this.waiter) {
      const waiter = this.waiter
      this.waiter = undefined
      waiter.resolve({ value, done: false })
      return
    }
    const key = this.options.key?.(value)
    if (key !== undefined) {
      const queued = this.byKey.get(key)
      if (queued) {
        queued.value = value
        return
      }
    }
    if (this.size >= this.options.bufferSize) {
      if (this.options.overflow === 'error') {
        this.fail(this.options.overflowError())
        return
      }
      this.shift()
      this.dropped++
    }
    const slot = { value, key }
    this.slots.push(slot)
    if (key !== undefined) this.byKey.set(key, slot)
  }

  /** Ends the iterator with an error (after nothing else: queued events are discarded). */
  fail(error: unknown): void {
    if (this.finished) return
    this.failure = error
    this.finish()
    if (this.waiter) {
      const waiter = this.waiter
      this.waiter = undefined
      waiter.reject(error)
    }
  }

  /** Ends the iterator once the queued events are taken. */
  end(): void {
    if (this.finished) return
    this.finish()
    if (this.waiter && this.size === 0) {
      const waiter = this.waiter
      this.waiter = undefined
      waiter.resolve({ value: undefined, done: true })
    }
  }

  private finish(): void {
    this.finished = true
    this.options.onFinish()
  }

  private shift(): T | undefined {
    const slot = this.slots[this.head]
    this.slots[this.head++] = undefined
    if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots.splice(0, this.head)
      this.head = 0
    }
    if (slot?.key !== undefined && this.byKey.get(slot.key) === slot) this.byKey.delete(slot.key)
    return slot?.value
  }

  next(): Promise<IteratorResult<T>> {
    if (this.failure !== undefined) {
      const error = this.failure
      this.slots.length = 0
      this.head = 0
      return Promise.reject(error)
    }
    if (this.size > 0) return Promise.resolve({ value: this.shift() as T, done: false })
    if (this.finished) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }

  return(): Promise<IteratorResult<T>> {
    this.slots.length = 0
    this.head = 0
    this.byKey.clear()
    if (!this.finished) this.finish()
    return Promise.resolve({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this
  }
}
