/** Model ids are configuration: ids retire every few months, so no code path may fall back to one the user cannot change. */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createClaudeDecider } from './claude.js'
import { DeciderConfigError } from './errors.js'
import { createGptDecider } from './gpt.js'

const sourceDir = import.meta.dirname

/** The package's own source files (tests and the test-only helpers under testing/ excluded). */
function sourceFiles(): string[] {
  return readdirSync(sourceDir).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
}

describe('model ids are configuration', () => {
  it('no source file hard-codes a Claude or OpenAI model id', () => {
    const files = sourceFiles()
    expect(files).toContain('claude.ts')
    // A quoted id such as 'claude-sonnet-4-6', "gpt-5.1" or `o3-mini`; the examples in doc comments are not code.
    const modelId = /['"`](claude-[a-z0-9.-]+|gpt-\d[a-z0-9.-]*|o\d(-[a-z]+)?)['"`]/
    const found = files.flatMap((file) =>
      readFileSync(join(sourceDir, file), 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*\*)/.test(line) && modelId.test(line))
        .map((line) => `${file}: ${line.trim()}`),
    )
    // requireModel's examples only appear inside the error message that asks for a model.
    expect(found.filter((line) => !line.includes('requireModel('))).toEqual([])
  })

  it('error: createClaudeDecider without model throws DeciderConfigError naming the option, before looking for a key', () => {
    const create = () => createClaudeDecider({ apiKey: 'sk-ant-test-123456' } as never)
    expect(create).toThrow(DeciderConfigError)
    expect(create).toThrow(/createClaudeDecider: no model id\. Pass model \(for example 'claude-sonnet-5-5'\)/)
    expect(() => createClaudeDecider({ apiKey: 'sk-ant-test-123456', model: ' ' })).toThrow(/no model id/)
  })

  it('error: createGptDecider without model throws DeciderConfigError naming the option', () => {
    const create = () => createGptDecider({ apiKey: 'sk-test-123456' } as never)
    expect(create).toThrow(DeciderConfigError)
    expect(create).toThrow(/createGptDecider: no model id\. Pass model/)
  })
})
