export {
  compareDecimal,
  type DecimalInput,
  type DecimalString,
  isDecimalString,
  multiplyDecimal,
  toBig,
  toDecimalString,
} from './decimal.js'
export { isUpbitError, UpbitDecimalError, UpbitError } from './errors.js'
