/** Display formatting only: the numbers shown are rounded for people; the API keeps exact decimal strings. */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const compactVolume = new Intl.NumberFormat('en-US', { maximumFractionDigits: 8 })
const percent = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 2 })

export function money(value: string | number | null | undefined, quote = 'KRW'): string {
  if (value === null || value === undefined || value === '') return '–'
  const number = Number(value)
  if (!Number.isFinite(number)) return String(value)
  const symbol = quote === 'KRW' ? '₩' : ''
  const text = quote === 'KRW' ? integer.format(Math.abs(number)) : compactVolume.format(Math.abs(number))
  return `${number < 0 ? '−' : ''}${symbol}${text}${symbol ? '' : ` ${quote}`}`
}

export function signedMoney(value: string | number | null | undefined, quote = 'KRW'): string {
  const number = Number(value)
  if (value === null || value === undefined || !Number.isFinite(number)) return '–'
  return `${number > 0 ? '+' : ''}${money(value, quote)}`
}

export function volume(value: string | number): string {
  const number = Number(value)
  return Number.isFinite(number) ? compactVolume.format(number) : String(value)
}

export function ratio(value: number | string | null | undefined): string {
  const number = Number(value)
  if (value === null || value === undefined || !Number.isFinite(number)) return '–'
  // No "-0.0%": values that round to zero print unsigned.
  return percent.format(Math.abs(number) < 0.00005 ? 0 : number)
}

export function time(tsMs: number): string {
  const date = new Date(tsMs)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`
}

export function toneOf(value: string | number | null | undefined): 'pos' | 'neg' | '' {
  const number = Number(value)
  if (!Number.isFinite(number) || number === 0) return ''
  return number > 0 ? 'pos' : 'neg'
}

export function quoteOf(market: string | undefined): string {
  return market?.split('-')[0] ?? 'KRW'
}
