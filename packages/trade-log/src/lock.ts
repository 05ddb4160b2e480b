/**
 * One writer per file. A writer holds `<dir>/.<file-stem>.lock` holding its pid, host and start time; a lock
 * whose process is gone (same host) or whose heartbeat stopped (other host, e.g. another container) is stale
 * and taken over.
 *
 * Taking over is atomic. Several writers may judge the same stale lock at once; each must first create, with
 * O_EXCL, a claim named after that lock file's inode (`<lock>.takeover-<inode>-<n>`). Only the one that creates it
 * may remove the stale lock, and it reads the lock again first, so it never removes a lock another writer has just
 * taken. A writer that dies holding a claim leaves it stale in turn: the next writer takes the next claim number.
 */
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'
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

/** Points where a test can let another contender run (to check the takeover against every interleaving). */
export interface LockHooks {
  /** After the lock was read and judged stale, before anything is done about it. */
  afterStaleJudged?: () => void
  /** After this contender created its takeover claim, before it removes the stale lock. */
  afterTakeoverClaimed?: () => void
}

/** Claims per stale lock before giving up (each one left by a writer that died mid-takeover). */
const MAX_CLAIMS = 8

/** Path of the lock guarding a kind's main file or one instance's files. */
export function lockPath(dir: string, kind: string, instance?: string): string {
  return join(dir, instance === undefined ? `.${kind}.lock` : `.${kind}.${instance}.lock`)
}

/** The holder recorded at `path` and the inode of the file read, or undefined when there is no lock. */
function readLock(path: string): { holder: LockHolder | null; ino: number } | undefined {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return undefined
  }
  try {
    const ino = fstatSync(fd).ino
    let holder: LockHolder | null = null
    try {
      holder = JSON.parse(readFileSync(fd, 'utf8')) as LockHolder
    } catch {}
    return { holder, ino }
  } finally {
    closeSync(fd)
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

/** Creates `path` with O_EXCL holding `content`; false if it exists. */
function createExclusive(path: string, content: string): boolean {
  let fd: number
  try {
    fd = openSync(path, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new TradeLogIoError(`Could not create the lock ${path}: ${(error as Error).message}. Is the log directory writable?`, {
      path,
      cause: error,
    })
  }
  try {
    writeSync(fd, content)
  } finally {
    closeSync(fd)
  }
  return true
}

const unlinkQuietly = (path: string) => {
  try {
    unlinkSync(path)
  } catch {}
}

/**
 * Removes the stale lock at `path` (inode `ino`) if this contender wins the claim on it. Returns false when another
 * contender is taking it over (or the lock changed meanwhile).
 */
function takeOver(path: string, ino: number, staleMs: number, now: number, content: string, hooks: LockHooks): boolean {
  for (let n = 0; n < MAX_CLAIMS; n++) {
    const claim = `${path}.takeover-${ino}-${n}`
    if (!createExclusive(claim, content)) {
      // Someone claimed this takeover. If that claimer is alive it is finishing it; if it died, try the next claim.
      const claimer = readLock(claim)
      if (claimer && !isStale(claim, claimer.holder, staleMs, now)) return false
      continue
    }
    // (A crash from here on leaves the claim behind; the next contender judges it stale by its holder.)
    hooks.afterTakeoverClaimed?.()
    try {
      // Read again under the claim: only the claim holder may remove this lock, so what is read here is what is removed.
      const current = readLock(path)
      if (current && (current.ino !== ino || !isStale(path, current.holder, staleMs, now))) return false
      if (current) unlinkQuietly(path)
      return true
    } finally {
      removeClaims(path, ino, n)
    }
  }
  return false
}

/** Removes this contender's claim and the stale ones before it, once the takeover is decided. */
function removeClaims(path: string, ino: number, upTo: number): void {
  for (let n = upTo; n >= 0; n--) unlinkQuietly(`${path}.takeover-${ino}-${n}`)
  // Claims on locks that no longer exist (left by a crash long ago) are litter: remove them too.
  try {
    const prefix = `${basename(path)}.takeover-`
    for (const name of readdirSync(dirname(path))) {
      if (!name.startsWith(prefix)) continue
      const claimedIno = Number(name.slice(prefix.length).split('-')[0])
      if (claimedIno !== ino) {
        const claim = join(dirname(path), name)
        const claimer = readLock(claim)
        if (claimer && isStale(claim, claimer.holder, Number.POSITIVE_INFINITY, Date.now())) unlinkQuietly(claim)
      }
    }
  } catch {}
}

/** Tries to take the lock at `path`, taking over a stale one. */
export function tryLock(path: string, staleMs: number, now: number, hooks: LockHooks = {}): LockAttempt {
  const token = `${process.pid}-${now}-${Math.random().toString(36).slice(2)}`
  const content = JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token })
  let tookOverStale = false
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createExclusive(path, content)) {
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
          if (readLock(path)?.holder?.token === token) unlinkQuietly(path)
        },
      }
      return { ok: true, lock, tookOverStale }
    }
    const current = readLock(path)
    if (!current) continue // released between the two calls: try again
    if (attempt > 0 || !isStale(path, current.holder, staleMs, now)) return { ok: false, path, holder: current.holder ?? {} }
    hooks.afterStaleJudged?.()
    if (!takeOver(path, current.ino, staleMs, now, content, hooks)) {
      return { ok: false, path, holder: readLock(path)?.holder ?? current.holder ?? {} }
    }
    tookOverStale = true
  }
  return { ok: false, path, holder: readLock(path)?.holder ?? {} }
}
