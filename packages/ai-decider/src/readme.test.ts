/**
 * Every TypeScript example of the README runs here, against the package source, and must print exactly the lines
 * its `// prints:` comments say. Providers answer from msw with the reference fixtures (the keys are stubbed in the
 * environment, as a user would set them), so the examples run the real Claude and GPT paths without a network.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { format } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { anthropicText, edit, fixture, replying, useMswServer, wireDecision } from './testing/provider-fixtures.js'

const server = useMswServer()
const packageDir = join(import.meta.dirname, '..')
const work = mkdtempSync(join(tmpdir(), 'ai-decider-readme-'))
const startDir = process.cwd()
beforeAll(() => process.chdir(work)) // the examples write ./recordings
afterAll(() => {
  process.chdir(startDir)
  rmSync(work, { recursive: true, force: true })
})

interface Example {
  heading: string
  code: string
  prints: string[]
}

/** The README's ```ts blocks, in order, with the section each sits in and the lines it says it prints. */
function readmeExamples(): Example[] {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8')
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => {
    const code = match[1]!
    const heading = [...readme.slice(0, match.index).matchAll(/^## (.+)$/gm)].at(-1)?.[1] ?? '(top)'
    const prints = [...code.matchAll(/^\/\/ prints: (.*)$/gm)].map((line) => line[1]!)
    return { heading, code, prints }
  })
}

/** The example as a module in the temp folder whose package imports point at this package's source. */
function asModule(code: string, index: number): string {
  const file = join(work, `example-${index}.ts`)
  const source = code
    .replaceAll("from '@tradekit/ai-decider/testing'", `from '${join(packageDir, 'src/testing/index.ts')}'`)
    .replaceAll("from '@tradekit/ai-decider'", `from '${join(packageDir, 'src/index.ts')}'`)
  writeFileSync(file, `${source}\nexport {}\n`)
  return file
}

function answering() {
  // Claude answers as the model the examples name; GPT is never reached (Claude answers first).
  const claude = edit(anthropicText(JSON.stringify(wireDecision)), (f) => {
    f.body.model = 'claude-sonnet-5-5'
  })
  server.use(
    replying('https://api.anthropic.com/v1/messages', [claude]).handler,
    replying('https://api.openai.com/v1/responses', [fixture('openai.responses.response')]).handler,
  )
  vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-readme-0123456789')
  vi.stubEnv('OPENAI_API_KEY', 'sk-readme-0123456789')
}

const examples = readmeExamples()

describe('README examples', () => {
  it('the README has its examples, each saying what it prints', () => {
    expect(examples.map((example) => example.heading)).toEqual([
      'Quick start: no API key needed',
      'Claude, then GPT, then rules',
      'Providers',
      'Point in time: no decider sees the future',
      'Record and replay',
    ])
    for (const example of examples) expect(example.prints.length, example.heading).toBeGreaterThan(0)
  })

  examples.forEach((example, index) => {
    it(`${example.heading}: prints what the README says`, async () => {
      answering()
      const printed: string[] = []
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(...format(...args).split('\n'))
      })
      const file = asModule(example.code, index)
      try {
        await import(/* @vite-ignore */ `${file}?run=${Date.now()}`)
      } finally {
        log.mockRestore()
        rmSync(file, { force: true })
      }
      expect(printed).toEqual(example.prints)
    }, 60_000)
  })
})
