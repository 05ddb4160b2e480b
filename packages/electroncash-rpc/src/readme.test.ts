/**
 * The README's TypeScript examples run as written, each in its own process against a fake daemon (given through
 * the ELECTRONCASH_* environment, as in production), and print exactly the "prints" block that follows them.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bundleChild } from './test-support/build-child.js'
import { useFakeDaemons } from './test-support/daemons.js'

const fakes = useFakeDaemons()
const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```\n\nprints\n\n```text\n([\s\S]*?)```/g)].map((match, index) => ({
  index,
  code: match[1]!,
  prints: match[2]!,
}))
const work = mkdtempSync(join(tmpdir(), 'ec-readme-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const alias = {
  '@tradekit/electroncash-rpc/testing': join(import.meta.dirname, 'testing', 'index.ts'),
  '@tradekit/electroncash-rpc': join(import.meta.dirname, 'index.ts'),
}

function run(file: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
    })
  })
}

describe('README examples', () => {
  it('every TypeScript example is followed by what it prints', () => {
    expect(examples.length).toBe([...readme.matchAll(/```ts\n/g)].length)
    expect(examples.length).toBeGreaterThanOrEqual(8)
  })

  it.each(examples.map((example) => [example.index, example] as const))(
    'example %i runs and prints what the README says',
    async (index, example) => {
      const daemon = await fakes.start()
      const dir = mkdtempSync(join(work, `example-${index}-`))
      const source = join(dir, `example-${index}.ts`)
      writeFileSync(source, `${example.code}\nexport {}\n`)
      const bundle = await bundleChild(source, alias)
      try {
        const result = await run(bundle.file, dir, {
          ELECTRONCASH_URL: daemon.url,
          ELECTRONCASH_RPC_USER: daemon.username,
          ELECTRONCASH_RPC_PASSWORD: daemon.password,
        })
        expect(result.stderr).toBe('')
        expect(result.stdout).toBe(example.prints)
        expect(result.code).toBe(0)
        expect(result.stdout).not.toContain(daemon.password)
      } finally {
        bundle.cleanup()
      }
    },
  )
})
