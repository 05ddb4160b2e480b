import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach } from 'vitest'
import { type BotConfigInput, loadConfig } from '../config.js'

/** A fresh trade-log directory per test, removed afterwards. */
export function useTempDirs(): () => string {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'bot-e2e-'))
    dirs.push(dir)
    return dir
  }
}

/** A validated paper configuration for tests: fast polling, no pauses between cycles, no keys. */
export function testConfig(overrides: Partial<BotConfigInput>) {
  return loadConfig({ env: {}, overrides: { intervalMs: 10, orderPollMs: 10, logLevel: 'silent', ...overrides } })
}

export const silentLogger = pino({ level: 'silent' })

export const decision = (action: 'buy' | 'sell' | 'hold', size: number, confidence = 0.9) => ({
  action,
  size,
  confidence,
  reason: `scripted ${action}`,
  stopLoss: null,
  takeProfit: null,
})
