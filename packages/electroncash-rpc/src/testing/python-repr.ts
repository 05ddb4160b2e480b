/**
 * Python 3's `repr()` of a `str`, as the daemon prints `listaddresses` labels: single quotes, or double quotes when
 * the text has a single quote and no double quote; `\\`, `\'`, `\n`, `\r`, `\t` escaped; other characters that are
 * not printable as `\xhh`, `\uhhhh` or `\Uhhhhhhhh`; printable non-ASCII text kept as it is.
 */
export function pythonStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'"
  let out = ''
  for (const char of text) {
    const code = char.codePointAt(0)!
    if (char === quote || char === '\\') out += `\\${char}`
    else if (char === '\n') out += '\\n'
    else if (char === '\r') out += '\\r'
    else if (char === '\t') out += '\\t'
    else if (!isPrintable(char)) {
      if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`
      else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`
      else out += `\\U${code.toString(16).padStart(8, '0')}`
    } else out += char
  }
  return `${quote}${out}${quote}`
}

/** Python's `str.isprintable()` for one character: not in Cc, Cf, Cs, Co, Cn, Zl, Zp, or Zs other than space. */
function isPrintable(char: string): boolean {
  if (char === ' ') return true
  return !/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(char)
}
