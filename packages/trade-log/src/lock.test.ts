import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LockAttempt, tryLock } from './lock.js'
import { buildChildScript } from './test-support/build-child.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!

function staleLock(path: string) {
  writeFileSync(path, JSON.stringify({ pid: deadPid(), hostname: hostname(), startedAt: 'x', token: 'dead' }))
}

describe('stale lock takeover', () => {
  it('is atomic: a second contender that judged the same lock stale cannot remove the first one’s fresh lock', () => {
    const dir = tempDir()
    const path = join(dir, '.trades.lock')
    staleLock(path)
    let second: LockAttempt | undefined
    // The first contender judges the lock stale; before it acts, a second contender runs its whole takeover.
    const first = tryLock(path, 30_000, Date.now(), {
      afterStaleJudged: () => {
        second ??= tryLock(path, 30_000, Date.now())
      },
    })
    expect(second?.ok).toBe(true)
    expect(first.ok).toBe(false)
    if (second?.ok) second.lock.release()
    expect(existsSync(path)).toBe(false)
  })

  it('the same, with the contenders the other way round', () => {
    const dir = tempDir()
    const path = join(dir, '.trades.lock')
    staleLock(path)
    let second: LockAttempt | undefined
    const first = tryLock(path, 30_000, Date.now(), {
      afterTakeoverClaimed: () => {
        second ??= tryLock(path, 30_000, Date.now())
      },
    })
    expect(first.ok).toBe(true)
    expect(second?.ok).toBe(false)
  })

  it('a takeover left half done by a crash is finished by the next writer', () => {
    const dir = tempDir()
    const path = join(dir, '.trades.lock')
    staleLock(path)
    // A contender died right after claiming the takeover.
    expect(() =>
      tryLock(path, 30_000, Date.now(), {
        afterTakeoverClaimed: () => {
          throw new Error('killed')
        },
      }),
    ).toThrow('killed')
    const claims = readdirSync(dir).filter((name) => name.includes('takeover'))
    expect(claims).toHaveLength(1)
    // Its claim names this (live) process: mark it as a dead one's, as after a real crash.
    writeFileSync(join(dir, claims[0]!), JSON.stringify({ pid: deadPid(), hostname: hostname(), startedAt: 'x' }))
    const next = tryLock(path, 30_000, Date.now())
    expect(next.ok).toBe(true)
    if (next.ok) next.lock.release()
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('many writers racing over a stale lock', () => {
  let child: { file: string; cleanup: () => void }
  beforeAll(async () => {
    child = await buildChildScript(join(import.meta.dirname, 'test-support/writer-child.ts'))
  }, 30_000)
  afterAll(() => child.cleanup())

  function racer(dir: string) {
    const proc: ChildProcess = spawn(process.execPath, [child.file, dir, 'race'], { stdio: ['pipe', 'pipe', 'inherit'] })
    let buffer = ''
    const waiters: { prefix: string; resolve: (line: string) => void }[] = []
    const lines: string[] = []
    proc.stdout!.on('data', (data: Buffer) => {
      buffer += data.toString()
      const parts = buffer.split('\n')
      buffer = parts.pop()!
      for (const part of parts) {
        lines.push(part)
        for (const waiter of waiters.splice(0)) {
          if (part.startsWith(waiter.prefix)) waiter.resolve(part)
          else waiters.push(waiter)
        }
      }
    })
    const next = (prefix: string) =>
      new Promise<string>((resolve) => {
        const seen = lines.find((line) => line.startsWith(prefix))
        if (seen) resolve(seen)
        else waiters.push({ prefix, resolve })
      })
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)))
    return { proc, next, exited }
  }

  it('exactly one of six writers takes the main file, in each of ten rounds', async () => {
    for (let round = 0; round < 10; round++) {
      const dir = tempDir()
      staleLock(join(dir, '.trades.lock'))
      const racers = Array.from({ length: 6 }, () => racer(dir))
      await Promise.all(racers.map((r) => r.next('loaded')))
      const at = Date.now() + 300
      for (const r of racers) r.proc.stdin!.write(`go ${at}\n`)
      const files = await Promise.all(racers.map(async (r) => (await r.next('file ')).slice(5)))
      // Every writer holds its lock now; only then are they released.
      for (const r of racers) r.proc.stdin!.end('release\n')
      expect(await Promise.all(racers.map((r) => r.exited))).toEqual([0, 0, 0, 0, 0, 0])
      const main = files.filter((file) => file === join(dir, 'trades_20250801.jsonl'))
      expect({ round, main: main.length, distinct: new Set(files).size }).toEqual({ round, main: 1, distinct: 6 })
    }
  }, 180_000)
})
