/**
 * Decodes Python's `repr()` of a `str`, which the daemon uses for `listaddresses` labels: `''`, `'text'`,
 * `"it's"` (double quotes when the text has a single quote and no double quote), `'it\'s a "label"'`, and
 * backslash escapes (`\\`, `\n`, `\t`, `\xhh`, `\uhhhh`, `\Uhhhhhhhh`) for characters that are not printable.
 * Printable non-ASCII characters are kept as they are.
 */
export function decodePythonStringRepr(repr: string): string {
  const quote = repr[0]
  if ((quote !== "'" && quote !== '"') || repr.length < 2 || repr[repr.length - 1] !== quote) {
    throw new SyntaxError(`${JSON.stringify(repr)} is not a Python string repr (it must start and end with a quote)`)
  }
  const body = repr.slice(1, -1)
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!
    if (char !== '\\') {
      if (char === quote) throw new SyntaxError(`${JSON.stringify(repr)} has an unescaped ${quote} inside`)
      out += char
      continue
    }
    const next = body[++i]
    if (next === undefined) throw new SyntaxError(`${JSON.stringify(repr)} ends with a lone backslash`)
    const simple = SIMPLE_ESCAPES[next]
    if (simple !== undefined) {
      out += simple
      continue
    }
    const width = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0
    const hex = body.slice(i + 1, i + 1 + width)
    if (width === 0 || !new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) {
      throw new SyntaxError(`${JSON.stringify(repr)} has an unknown escape \\${next}`)
    }
    const codePoint = Number.parseInt(hex, 16)
    if (codePoint > 0x10ffff) throw new SyntaxError(`${JSON.stringify(repr)} escapes a code point beyond U+10FFFF`)
    out += String.fromCodePoint(codePoint)
    i += width
  }
  return out
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\u0007',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
}
