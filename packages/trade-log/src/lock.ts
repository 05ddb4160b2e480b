/**
 * One writer per file. A writer holds `<dir>/.<file-stem>.lock` holding its pid, host and start time; a lock
 * whose process is gone (same host) or whose heartbeat stopped (other host, e.g. another container) is stale
 * and taken over.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { TradeLogIoError } from './errors.js'

/** What a lock file records about its holder. */
export interface LockHolder {
  pid?: number
  hostname?: string
  startedAt?: string
  token?: string
}

/** A lock this process holds. */
export interface HeldLock {
  path: string
  token: string
  /** Refreshes the heartbeat (mtime). */
  touch(): void
  /** Removes the lock if it is still ours. */
  release(): void
}

/** Result of trying to take a lock. */
export type LockAttempt = { ok: true; lock: HeldLock; tookOverStale: boolean } | { ok: false; path: string; holder: LockHolder }

/** Path of the lock guarding a kind's main file or one instance's files. */
export function lockPath(dir: string, kind: string, instance?: string): string {
  return join(dir, instance === undefined ? `.${kind}.lock` : `.${kind}.${instance}.lock`)
}

function readHolder(path: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder
  } catch {
    return null
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Whether the lock at `path` (held by `holder`) no longer belongs to a live writer. */
export function isStale(path: string, holder: LockHolder | null, staleMs: number, now: number): boolean {
  let ageMs: number
  try {
    ageMs = now - statSync(path).mtimeMs
  } catch {
    return true
  }
  if (!holder || typeof holder.pid !== 'number') return ageMs > staleMs
  if (holder.hostname === hostname()) {
    // In a container the bot is often pid 1 on every start: our own pid in someone else's lock is a past life.
    if (holder.pid === process.pid) {
      const processStart = Date.now() - process.uptime() * 1000
      return Date.parse(holder.startedAt ?? '') < processStart - 1000
    }
    return !processAlive(holder.pid)
  }
  return ageMs > staleMs
}

/** Tries to take the lock at `path`, taking over a stale one. */
export function tryLock(path: string, staleMs: number, now: number): LockAttempt {
  const token = `${process.pid}-${now}-${Math.random().toString(36).slice(2)}`
  const content = JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token })
  let tookOverStale = false
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number
    try {
      fd = openSync(path, 'wx')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new TradeLogIoError(
          `Could not create the lock ${path}: ${(error as Error).message}. Is the log directory writable?`,
          {
            path,
            cause: error,
          },
        )
      }
      const holder = readHolder(path)
      if (attempt === 0 && isStale(path, holder, staleMs, now)) {
        try {
          unlinkSync(path)
        } catch {}
        tookOverStale = true
        continue
      }
      return { ok: false, path, holder: holder ?? {} }
    }
    try {
      writeSync(fd, content)
    } finally {
      closeSync(fd)
    }
    const lock: HeldLock = {
      path,
      token,
      touch() {
        try {
          const time = new Date()
          utimesSync(path, time, time)
        } catch {}
      },
      release() {
        if (readHolder(path)?.token === token) {
          try {
            unlinkSync(path)
          } catch {}
        }
      },
    }
    return { ok: true, lock, tookOverStale }
  }
  return { ok: false, path, holder: readHolder(path) ?? {} }
}
