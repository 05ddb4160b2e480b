import type { RemainingReq } from './errors.js'

/** Parses `Remaining-Req: group=default; min=1800; sec=29`. Any group name is accepted; `min` is optional. */
export function parseRemainingReq(header: string | null | undefined): RemainingReq | undefined {
  if (!header) return undefined
  const fields = new Map<string, string>()
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim())
  }
  const group = fields.get('group')
  const sec = Number(fields.get('sec'))
  if (!group || !Number.isInteger(sec) || sec < 0) return undefined
  const min = Number(fields.get('min'))
  return Number.isInteger(min) ? { group, sec, min } : { group, sec }
}

/** Formats the header the way Upbit does (`min` is a fixed legacy value). */
export function formatRemainingReq(group: string, sec: number, min = 1800): string {
  return `group=${group}; min=${min}; sec=${sec}`
}
