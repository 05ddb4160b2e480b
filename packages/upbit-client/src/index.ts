export { type AmountRule, currencyDecimals, exactAmount, PRICE_DECIMALS, VOLUME_DECIMALS } from './amounts.js'
export type { PocketsApi } from './api/pockets.js'
export type { QuotationApi } from './api/quotation.js'
export type { ServiceApi } from './api/service.js'
export type { TradingApi } from './api/trading.js'
export type { TransfersApi } from './api/transfers.js'
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
  type PaginationApi,
  type PocketTransferListParams,
  type PocketTransferParams,
  type PocketTransferState,
  type TimeInput,
  type TradesParams,
  type TransferListParams,
  type TransferRef,
  type TwoFactorType,
  UPBIT_HOSTS,
  type UpbitClient,
  type UpbitClientOptions,
  type UpbitEnvironment,
} from './client.js'
export {
  addDecimal,
  compareDecimal,
  type DecimalInput,
  type DecimalString,
  divideDecimal,
  isDecimalString,
  multiplyDecimal,
  subtractDecimal,
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
  UpbitStreamAuthError,
  UpbitStreamError,
  UpbitStreamOverflowError,
  UpbitStreamRequestError,
  UpbitTimeoutError,
  UpbitValidationError,
} from './errors.js'
export {
  createMemoryLimiterStore,
  type GroupHold,
  type LimiterReport,
  type LimiterStore,
  type Reservation,
  type SlotRequest,
} from './limiter-store.js'
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
export {
  DEFAULT_BUDGETS,
  type GroupBudget,
  IP_GROUPS,
  type LimiterClock,
  type RateLimitGroup,
  type RateLimitOptions,
} from './rate-limiter.js'
export { formatRemainingReq, parseRemainingReq } from './remaining-req.js'
export type {
  Account,
  ApiKeyInfo,
  BatchCancelResult,
  CancelAndNewResult,
  Candle,
  DepositAddress,
  DepositChance,
  GenerateDepositAddressResult,
  LooseObject,
  Market,
  Order,
  Orderbook,
  OrderbookInstrument,
  OrderChance,
  Pocket,
  PocketApiKey,
  PocketAsset,
  PocketTransfer,
  Ticker,
  TradeTick,
  Transfer,
  TravelRuleVasp,
  TravelRuleVerification,
  WalletStatus,
  WithdrawAddress,
  WithdrawChance,
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
  signingKeyFrom,
} from './signing.js'
export type { StreamClock } from './stream/clock.js'
export type {
  ConnectionState,
  ReconnectOptions,
  WebSocketConstructor,
  WebSocketLike,
} from './stream/connection.js'
export { type DecodedFrame, decodeFrame } from './stream/decode.js'
export type { OverflowPolicy } from './stream/event-queue.js'
export type { ReconcileClient } from './stream/my-orders.js'
export {
  createUpbitStreams,
  defaultOverflow,
  type IterateOptions,
  type StreamStateChange,
  StreamSubscription,
  type StreamsEvents,
  type SubscribeOptions,
  UPBIT_WS_HOSTS,
  UpbitStreams,
  type UpbitStreamsOptions,
} from './stream/streams.js'
export type {
  AssetBalance,
  CandleEvent,
  CandleInterval,
  CandleType,
  MyAssetEvent,
  MyOrderEvent,
  MyOrderState,
  OrderbookEvent,
  OrderbookUnit,
  PrivateStreamType,
  PublicStreamType,
  StreamEvent,
  StreamEventMap,
  StreamFormat,
  StreamKind,
  StreamType,
  TickerEvent,
  TradeEvent,
} from './stream/types.js'
export { isOnTick, MIN_ORDER_TOTAL, minOrderTotalFor, quoteCurrency, roundToTick, tickSizeFor } from './tick-size.js'
export type { RequestInfo, RetryOptions, UpbitHooks } from './transport.js'
