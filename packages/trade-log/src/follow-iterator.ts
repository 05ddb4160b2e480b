import type { FollowedRecord, Follower } from './follow.js'

/** What an iterator needs of a follower's private state: whether it is closed, and where to hear that it ended. */
export interface FollowerEnd {
  isClosed(): boolean
  /** Called by the follower when it closes. */
  listeners: Set<() => void>
}

/**
 * The async iterator of a follower, file or PostgreSQL: entries in the order they are emitted, done once the
 * follower closes, the start-up error thrown if it never started; `return()` (a `break`) closes the follower.
 */
export function iterateFollower<T>(follower: Follower<T>, end: FollowerEnd): AsyncIterator<FollowedRecord<T>> {
  const queue: FollowedRecord<T>[] = []
  let wake: (() => void) | undefined
  let failure: unknown
  const onEntry = (record: FollowedRecord<T>) => {
    queue.push(record)
    wake?.()
  }
  const onEnd = () => wake?.()
  follower.on('entry', onEntry)
  end.listeners.add(onEnd)
  follower.ready.catch((error: unknown) => {
    failure = error
    wake?.()
  })
  const finish = () => {
    follower.off('entry', onEntry)
    end.listeners.delete(onEnd)
  }
  return {
    next: async () => {
      while (queue.length === 0 && !end.isClosed() && failure === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve
        })
        wake = undefined
      }
      if (failure !== undefined) {
        finish()
        throw failure
      }
      if (queue.length > 0) return { value: queue.shift()!, done: false }
      finish()
      return { value: undefined, done: true }
    },
    return: async () => {
      finish()
      await follower.close()
      return { value: undefined, done: true }
    },
  }
}
