/** Test helpers: serialise anything (bigint included) so a test can search it for a secret. */
export function everything(value: unknown): string {
  const seen = new WeakSet<object>()
  const parts: string[] = []
  const visit = (v: unknown, depth: number): void => {
    if (depth > 8) return
    if (typeof v === 'string') parts.push(v)
    else if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') parts.push(String(v))
    else if (v && typeof v === 'object') {
      if (seen.has(v)) return
      seen.add(v)
      if (v instanceof Error) {
        parts.push(v.message, v.stack ?? '', String(v))
        visit(v.cause, depth + 1)
        const json = (v as { toJSON?: () => unknown }).toJSON
        if (typeof json === 'function')
          parts.push(JSON.stringify(json.call(v), (_k, x) => (typeof x === 'bigint' ? String(x) : x)))
      }
      for (const key of Reflect.ownKeys(v)) visit((v as Record<PropertyKey, unknown>)[key], depth + 1)
    }
  }
  visit(value, 0)
  return parts.join('\n')
}
