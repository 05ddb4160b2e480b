export { AUTH_ERROR_NAMES, parseBanMs, parseErrorBody } from './api-errors.js'
export {
  type CancelAndNewParams,
  type CancelOpenOrdersParams,
  type CandlesParams,
  type CandleUnit,
  type ClosedOrdersParams,
  createUpbitClient,
  type OpenOrdersParams,
  type OrderBy,
  type OrderListRef,
  type OrderState,
  type TimeInput,
  type TradesParams,
  type TransferListParams,
  type TransferRef,
  UPBIT_HOSTS,
  type UpbitClient,
  type UpbitClientOptions,
  type UpbitEnvironment,
} from './client.js'
export {
  compareDecimal,
  type DecimalInput,
  type DecimalString,
  isDecimalString,
  multiplyDecimal,
  toBig,
  toDecimalString,
} from './decimal.js'
export {
  isUpbitError,
  type RemainingReq,
  type RequestTarget,
  UpbitApiError,
  UpbitAuthError,
  UpbitBanError,
  UpbitConnectionError,
  UpbitDecimalError,
  UpbitError,
  UpbitInsufficientFundsError,
  UpbitNotFoundError,
  UpbitOrderUnknownError,
  UpbitRateLimitError,
  UpbitRequestError,
  UpbitResponseError,
  UpbitServerError,
  UpbitTimeoutError,
  UpbitValidationError,
} from './errors.js'
export {
  type BestOrderParams,
  type CreateOrderParams,
  type LimitOrderParams,
  type MarketBuyOrderParams,
  type MarketSellOrderParams,
  newIdentifier,
  type OrderSide,
  type SmpType,
  type TimeInForce,
} from './order-params.js'
export { type CallOptions, isDuplicateIdentifier, type OrderRecoveryOptions, type OrderRef } from './orders.js'
export { DEFAULT_BUDGETS, type GroupBudget, type RateLimitGroup, type RateLimitOptions } from './rate-limiter.js'
export { formatRemainingReq, parseRemainingReq } from './remaining-req.js'
export type {
  Account,
  ApiKeyInfo,
  BatchCancelResult,
  CancelAndNewResult,
  Candle,
  LooseObject,
  Market,
  Order,
  Orderbook,
  OrderbookInstrument,
  OrderChance,
  Ticker,
  TradeTick,
  Transfer,
  WalletStatus,
} from './schemas.js'
export {
  createToken,
  type EncodedParams,
  encodeParams,
  type JwtAlgorithm,
  type Params,
  type ParamValue,
  prepareRequest,
  queryHash,
  type SigningKeys,
} from './signing.js'
export { isOnTick, MIN_ORDER_TOTAL, minOrderTotalFor, quoteCurrency, roundToTick, tickSizeFor } from './tick-size.js'
export type { RequestInfo, RetryOptions, UpbitHooks } from './transport.js'
