/**
 * Every finding doctor can report, each in a directory that produces it; for every fix doctor prints, the fix is
 * applied as printed and doctor runs again: the finding is gone. The list of findings and fix types comes from
 * doctor's own tables, so a new finding without a scenario here fails this file.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  DOCTOR_FINDINGS,
  type DoctorFinding,
  type DoctorFindingCode,
  type DoctorOptions,
  type DoctorReport,
  doctor,
  FIX_ACTION_TYPES,
} from './doctor.js'
import { defineEntryKind } from './kinds.js'
import { type Applied, applyFix } from './test-support/apply-fix.js'
import { buildChildScript } from './test-support/build-child.js'
import { AUG_1, DAY, HOUR, trade } from './test-support/entries.js'
import { legacyDay, pythonPrettyArray } from './test-support/legacy-fixtures.js'
import { allowOtherUser, denyOtherUser, runAsOtherUser } from './test-support/other-user.js'
import { useTempDir } from './test-support/temp-dir.js'

const tempDir = useTempDir()
const jsonl = (entries: unknown[]) => entries.map((entry) => `${JSON.stringify(entry)}\n`).join('')
const NOW = AUG_1 + 3 * DAY
const signals = defineEntryKind({ name: 'signals', schema: z.object({ market: z.string(), score: z.number() }) })
const KINDS_BY_NAME = { signals }

let child: { file: string; cleanup: () => void }
let cliScript: { file: string; cleanup: () => void }
beforeAll(async () => {
  child = await buildChildScript(join(import.meta.dirname, 'test-support/doctor-child.ts'))
  cliScript = await buildChildScript(join(import.meta.dirname, 'cli.ts'))
}, 60_000)
afterAll(() => {
  child.cleanup()
  cliScript.cleanup()
})

interface Setup {
  dir: string
  options?: DoctorOptions
  /** Run doctor as an unprivileged user (file modes do not apply to root). */
  asOtherUser?: boolean
}

/** A directory that makes doctor report `code`. */
type Scenario = (root: string) => Setup

const goodDay = (dir: string, day = '20250801', at = AUG_1) =>
  writeFileSync(join(dir, `trades_${day}.jsonl`), jsonl([trade(at + HOUR), trade(at + 2 * HOUR)]))

const scenarios: Record<DoctorFindingCode, Scenario> = {
  'missing-dir': (root) => {
    const real = join(root, 'bot', 'logs')
    mkdirSync(real, { recursive: true })
    goodDay(real)
    return { dir: join(root, 'app', 'logs'), options: { searchPaths: [real] } }
  },
  'dangling-symlink': (root) => {
    symlinkSync(join(root, 'volume'), join(root, 'logs'))
    return { dir: join(root, 'logs'), options: { searchPaths: [] } }
  },
  'not-a-directory': (root) => {
    const logs = join(root, 'logs')
    mkdirSync(logs)
    goodDay(logs)
    return { dir: join(logs, 'trades_20250801.jsonl') }
  },
  'unreadable-dir': (root) => {
    const logs = join(root, 'logs')
    mkdirSync(logs)
    goodDay(logs)
    allowOtherUser(root, true)
    allowOtherUser(join(logs, 'trades_20250801.jsonl'))
    denyOtherUser(logs, true)
    return { dir: logs, asOtherUser: true, options: { searchPaths: [] } }
  },
  'unreadable-file': (root) => {
    goodDay(root)
    goodDay(root, '20250802', AUG_1 + DAY)
    allowOtherUser(root, true)
    allowOtherUser(join(root, 'trades_20250801.jsonl'))
    denyOtherUser(join(root, 'trades_20250802.jsonl'))
    return { dir: root, asOtherUser: true }
  },
  'not-a-file': (root) => {
    goodDay(root)
    // Docker creates a directory where a bind-mounted file is missing; a FIFO must not hang doctor either.
    mkdirSync(join(root, 'trades_20250802.jsonl'))
    execFileSync('mkfifo', [join(root, 'trades_20250803.jsonl')])
    return { dir: root }
  },
  'no-logs': (root) => {
    const real = join(root, 'elsewhere')
    mkdirSync(real)
    goodDay(real)
    const empty = join(root, 'logs')
    mkdirSync(empty)
    return { dir: empty, options: { searchPaths: [real] } }
  },
  'logs-in-subdirs': (root) => {
    mkdirSync(join(root, 'demo-20251204-1'))
    goodDay(join(root, 'demo-20251204-1'))
    return { dir: root, options: { searchPaths: [] } }
  },
  misnamed: (root) => {
    goodDay(root)
    // pino-roll's name for a file of our entries.
    writeFileSync(join(root, 'trades.20250802.1.jsonl'), jsonl([trade(AUG_1 + DAY + HOUR)]))
    return { dir: root }
  },
  legacy: (root) => {
    writeFileSync(join(root, 'trades_20250801.json'), pythonPrettyArray(legacyDay({ fills: 4, holds: 2 })))
    return { dir: root, options: { searchPaths: [] } }
  },
  'conversion-unfinished': (root) => {
    const source = join(root, 'trades_20250801.json')
    writeFileSync(source, pythonPrettyArray(legacyDay({ fills: 4, holds: 2 })))
    // What convert leaves when it stops after writing its outputs and before setting the source aside.
    execFileSync(process.execPath, [cliScript.file, 'convert', source])
    renameSync(`${source}.converted`, source)
    return { dir: root, options: { searchPaths: [] } }
  },
  'bad-lines': (root) => {
    writeFileSync(join(root, 'trades_20250801.jsonl'), `${jsonl([trade(AUG_1)])}{oops\n${jsonl([trade(AUG_1 + 1)])}`)
    return { dir: root }
  },
  duplicates: (root) => {
    writeFileSync(join(root, 'trades_20250801.jsonl'), jsonl([trade(AUG_1), trade(AUG_1 + 1), trade(AUG_1 + 1)]))
    return { dir: root }
  },
  'foreign-only': (root) => {
    // Another program (pino) writing files named like ours: not one entry is readable.
    const pinoLine = { level: 30, time: AUG_1, pid: 7, hostname: 'x', msg: 'order placed' }
    writeFileSync(join(root, 'trades_20250801.jsonl'), jsonl([pinoLine, pinoLine]))
    return { dir: root, options: { searchPaths: [] } }
  },
  'future-dated': (root) => {
    goodDay(root)
    // The writer's clock ran a year ahead.
    writeFileSync(join(root, 'trades_20260801.jsonl'), jsonl([trade(AUG_1 + 365 * DAY)]))
    return { dir: root }
  },
  'zone-mismatch': (root) => {
    // 20:00Z–23:00Z on Jul 31 is Aug 1 in Seoul: a KST writer names this file 20250801.
    writeFileSync(join(root, 'trades_20250801.jsonl'), jsonl([trade(AUG_1 - 4 * HOUR), trade(AUG_1 - HOUR)]))
    return { dir: root }
  },
  'custom-kind': (root) => {
    goodDay(root)
    writeFileSync(
      join(root, 'signals_20250801.jsonl'),
      jsonl([{ ts: new Date(AUG_1).toISOString(), tsMs: AUG_1, market: 'KRW-ETH', score: 0.7 }]),
    )
    return { dir: root }
  },
  incomplete: (root) => {
    goodDay(root)
    // A custom kind whose schema throws (a bug in user code) while doctor reads its file.
    const broken = defineEntryKind({
      name: 'signals',
      schema: z.object({ score: z.number() }).refine(() => {
        throw new Error('schema exploded')
      }),
    })
    writeFileSync(join(root, 'signals_20250801.jsonl'), jsonl([{ ts: new Date(AUG_1).toISOString(), tsMs: AUG_1, score: 1 }]))
    return { dir: root, options: { kinds: [broken as never] } }
  },
  'unsupported-records': (root) => {
    goodDay(root)
    writeFileSync(
      join(root, 'analysis_20250801.json'),
      JSON.stringify([{ timestamp: '2025-08-01T13:00:00Z', symbol: 'KRW-BTC', current_price: 45200000.0 }]),
    )
    return { dir: root }
  },
}

async function runDoctor(setup: Setup, applied: Applied = {}): Promise<DoctorReport> {
  const dir = applied.dir ?? setup.dir
  const { kinds: kindNames, ...settings } = applied.options ?? {}
  const options: DoctorOptions = {
    now: () => NOW,
    ...setup.options,
    ...settings,
    ...(kindNames ? { kinds: kindNames.map((name) => KINDS_BY_NAME[name as keyof typeof KINDS_BY_NAME]) } : {}),
  }
  if (!setup.asOtherUser) return doctor(dir, options)
  const { now: _now, kinds: _kinds, ...plain } = options
  const output = await runAsOtherUser(child.file, ['doctor', JSON.stringify({ dir, options: { ...plain } })])
  return JSON.parse(output) as DoctorReport
}

const findingsOf = (report: DoctorReport, code: DoctorFindingCode) => report.findings.filter((f) => f.code === code)

describe('doctor findings', () => {
  it('every finding in doctor’s table has a scenario here, and the scenarios use every kind of fix', () => {
    expect(Object.keys(scenarios).sort()).toEqual(Object.keys(DOCTOR_FINDINGS).sort())
  })

  const usedFixTypes = new Set<string>()
  afterAll(() => {
    // Checked after the scenarios ran: each fix type was printed and applied at least once.
    expect([...usedFixTypes].sort()).toEqual([...FIX_ACTION_TYPES].sort())
  })

  it.each(Object.keys(scenarios) as DoctorFindingCode[])(
    '%s: reported, and its fix applied as printed makes it go away',
    async (code) => {
      const setup = scenarios[code](tempDir())
      const report = await runDoctor(setup)
      const found = findingsOf(report, code)
      expect(found, JSON.stringify(report.findings, null, 2)).not.toHaveLength(0)
      const spec = DOCTOR_FINDINGS[code]
      expect(found.every((finding) => finding.severity === spec.severity)).toBe(true)
      const fixed = spec.fix !== 'never'
      if (spec.severity === 'error') {
        expect(report.verdict.ok).toBe(false)
        if (fixed) expect(report.verdict.message).toContain(found[0]!.fix!)
      } else expect(report.verdict.ok).toBe(true)
      if (!fixed) {
        expect(found.every((finding) => finding.fix === undefined && finding.action === undefined)).toBe(true)
        return
      }
      let applied: Applied = {}
      for (const finding of found as Required<DoctorFinding>[]) {
        expect(finding.fix).toBeTruthy()
        usedFixTypes.add(finding.action.type)
        applied = { ...applied, ...(await applyFix(finding.action)) }
      }
      const after = await runDoctor(setup, applied)
      expect(findingsOf(after, code), JSON.stringify(after.findings, null, 2)).toEqual([])
    },
  )
})
