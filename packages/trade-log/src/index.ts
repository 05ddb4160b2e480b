export {
  DECIMAL_PATTERN,
  type DecimalString,
  decimalFromLegacyNumber,
  formatDecimal,
  parseDecimal,
  sumDecimals,
} from './decimal.js'
export { isTradeLogError, TradeLogDecimalError, TradeLogError } from './errors.js'
