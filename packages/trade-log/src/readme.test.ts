import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildChildScript } from './test-support/build-child.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
const packageDir = join(import.meta.dirname, '..')

/** The README's TypeScript examples, in order; the Express one needs a server framework this package lacks. */
function readmeExamples(): string[] {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8')
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((match) => match[1]!)
    .filter((code) => !code.includes("from 'express'"))
}

describe('README', () => {
  it('runs every example (bot, custom kind, follow, statistics, doctor) against a real directory', async () => {
    const dir = tempDir()
    const work = tempDir()
    const examples = readmeExamples()
    expect(examples.length).toBeGreaterThanOrEqual(5)
    examples.forEach((code, index) => {
      writeFileSync(join(work, `example-${index}.ts`), `${code}\nexport {}\n`)
    })
    // Static imports run in order, each example's top-level awaits finishing before the next starts.
    writeFileSync(join(work, 'all.ts'), examples.map((_, index) => `import './example-${index}.ts'`).join('\n'))
    const bundle = await buildChildScript(join(work, 'all.ts'), {
      alias: { '@tradekit/trade-log': join(packageDir, 'src/index.ts') },
      nodePaths: [join(packageDir, 'node_modules')],
    })
    try {
      const output = execFileSync(process.execPath, [bundle.file], {
        env: { ...process.env, TRADE_LOG_DIR: dir },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      const files = readdirSync(dir).filter((name) => name.endsWith('.jsonl'))
      expect(files.map((name) => name.replace(/_\d{8}/, '_DAY')).sort()).toEqual([
        'decisions_DAY.jsonl',
        'equity_DAY.jsonl',
        'signals_DAY.jsonl',
        'trades_DAY.jsonl',
      ])
      // The statistics example prints the equity built from the bot example's fill: cash 1,000,000 − 194,627.82
      // − 97.31391 fee = 805,274.86609, plus 0.00123 BTC at 160,000,000 = 196,800.
      expect(output).toMatch(/^1002074\.86609 /m)
      // The doctor example: OK, with a warning about the custom kind it was not told about.
      expect(output).toMatch(
        /from TRADE_LOG_DIR.*OK with warnings: 1 trades, 1 decisions, 1 equity file\(s\).*signals_\d{8}\.jsonl/,
      )
    } finally {
      bundle.cleanup()
    }
  }, 180_000)
})
