import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { backtestRecording, readPriceFile } from './backtest-flags.js'
import { ConfigError } from './config.js'
import { useTempDirs } from './test-support/bot-setup.js'

const tempDir = useTempDirs()
const here = (path: string) => join('/work', path)

describe('backtest recording flags', () => {
  it('--record, --replay and --record-missing set the mode and the folder; only --replay builds the decider without keys', () => {
    expect(backtestRecording({ record: 'rec' }, here)).toEqual({
      recording: { dir: '/work/rec', mode: 'record' },
      replayOnly: false,
    })
    expect(backtestRecording({ replay: 'rec' }, here)).toEqual({
      recording: { dir: '/work/rec', mode: 'replay' },
      replayOnly: true,
    })
    expect(backtestRecording({ 'record-missing': 'rec' }, here).recording?.mode).toBe('record-missing')
    expect(backtestRecording({}, here)).toEqual({ replayOnly: false })
  })

  it('error: two recording flags at once are refused, naming both', () => {
    expect(() => backtestRecording({ record: 'a', replay: 'b' }, here)).toThrow(ConfigError)
    expect(() => backtestRecording({ record: 'a', replay: 'b' }, here)).toThrow(/give one of .* \(got --record and --replay\)/)
  })

  it('--prices reads a price table; a bad entry is refused naming the file and the field', () => {
    const dir = tempDir()
    const good = join(dir, 'prices.json')
    writeFileSync(good, JSON.stringify({ 'claude-sonnet-5-5': { input: '3', output: '15', cacheRead: '0.3' } }))
    expect(backtestRecording({ prices: good }, (path) => path).prices).toEqual({
      'claude-sonnet-5-5': { input: '3', output: '15', cacheRead: '0.3' },
    })
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ 'gpt-6': { input: 1.25, output: '10' } }))
    expect(() => readPriceFile(bad)).toThrow(new RegExp(`prices: ${bad}: gpt-6\\.input must be a decimal string`))
  })
})
