import { EventEmitter } from 'eventemitter3'
import { describe, expect, it } from 'vitest'
import type { FollowedRecord, Follower, FollowerEvents } from './follow.js'
import { iterateFollower } from './follow-iterator.js'

/** A follower reduced to what the iterator uses: entry events, `ready`, and `close()` that ends it. */
function fakeFollower(ready: Promise<void> = Promise.resolve()) {
  const emitter = new EventEmitter<FollowerEvents<{ n: number }>>()
  const listeners = new Set<() => void>()
  let closed = false
  const follower = Object.assign(emitter, {
    ready,
    closeCalls: 0,
    async close() {
      follower.closeCalls++
      closed = true
      for (const end of listeners) end()
    },
  })
  const iterable = {
    [Symbol.asyncIterator]: () =>
      iterateFollower(follower as unknown as Follower<{ n: number }>, { isClosed: () => closed, listeners }),
  }
  const record = (n: number) => ({ entry: { n }, file: 'trades_20261204.jsonl', line: n }) as FollowedRecord<{ n: number }>
  return { follower, iterable, record }
}

describe('iterating a follower', () => {
  it('entries emitted before and while waiting come in order; done once the follower closes', async () => {
    const { follower, iterable, record } = fakeFollower()
    const iterator = iterable[Symbol.asyncIterator]()
    follower.emit('entry', record(1))
    follower.emit('entry', record(2))
    expect((await iterator.next()).value?.entry).toEqual({ n: 1 })
    expect((await iterator.next()).value?.entry).toEqual({ n: 2 })
    const waiting = iterator.next()
    follower.emit('entry', record(3))
    expect((await waiting).value?.entry).toEqual({ n: 3 })
    const pending = iterator.next()
    await follower.close()
    expect(await pending).toEqual({ value: undefined, done: true })
  })

  it('a break out of for await closes the follower and stops listening', async () => {
    const { follower, iterable, record } = fakeFollower()
    setImmediate(() => follower.emit('entry', record(1)))
    for await (const got of iterable) {
      expect(got.entry).toEqual({ n: 1 })
      break
    }
    expect(follower.closeCalls).toBe(1)
    expect(follower.listenerCount('entry')).toBe(0)
  })

  it('error: a follower that could not start throws its start-up error from next()', async () => {
    const failure = new Error('no such log directory')
    const { iterable } = fakeFollower(Promise.reject(failure))
    await expect(iterable[Symbol.asyncIterator]().next()).rejects.toBe(failure)
  })
})
