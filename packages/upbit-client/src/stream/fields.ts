/**
 * Field tables of each stream type: DEFAULT name, SIMPLE abbreviation, and how the value is typed. One table
 * drives the decoding of all four formats, so the typed shape cannot differ between them.
 *
 * SIMPLE abbreviations are Upbit's (per-type reference pages); the README's "What is assumed" lists those that were
 * not in the reference notes this client was built from.
 */

/** `d` decimal string, `n` number, `s` string, `b` boolean. */
export type FieldKind = 'd' | 'n' | 's' | 'b'
export type Field = readonly [name: string, simple: string, kind: FieldKind]

export const TICKER_FIELDS: readonly Field[] = [
  ['code', 'cd', 's'],
  ['opening_price', 'op', 'd'],
  ['high_price', 'hp', 'd'],
  ['low_price', 'lp', 'd'],
  ['trade_price', 'tp', 'd'],
  ['prev_closing_price', 'pcp', 'd'],
  ['change', 'c', 's'],
  ['change_price', 'cp', 'd'],
  ['signed_change_price', 'scp', 'd'],
  ['change_rate', 'cr', 'n'],
  ['signed_change_rate', 'scr', 'n'],
  ['trade_volume', 'tv', 'd'],
  ['acc_trade_volume', 'atv', 'd'],
  ['acc_trade_volume_24h', 'atv24h', 'd'],
  ['acc_trade_price', 'atp', 'd'],
  ['acc_trade_price_24h', 'atp24h', 'd'],
  ['trade_date', 'tdt', 's'],
  ['trade_time', 'ttm', 's'],
  ['trade_timestamp', 'ttms', 'n'],
  ['ask_bid', 'ab', 's'],
  ['acc_ask_volume', 'aav', 'd'],
  ['acc_bid_volume', 'abv', 'd'],
  ['highest_52_week_price', 'h52wp', 'd'],
  ['highest_52_week_date', 'h52wdt', 's'],
  ['lowest_52_week_price', 'l52wp', 'd'],
  ['lowest_52_week_date', 'l52wdt', 's'],
  ['market_state', 'ms', 's'],
  ['market_warning', 'mw', 's'],
  ['delisting_date', 'dd', 's'],
  ['timestamp', 'tms', 'n'],
  ['stream_type', 'st', 's'],
]

export const TRADE_FIELDS: readonly Field[] = [
  ['code', 'cd', 's'],
  ['trade_price', 'tp', 'd'],
  ['trade_volume', 'tv', 'd'],
  ['ask_bid', 'ab', 's'],
  ['prev_closing_price', 'pcp', 'd'],
  ['change', 'c', 's'],
  ['change_price', 'cp', 'd'],
  ['trade_date', 'td', 's'],
  ['trade_time', 'ttm', 's'],
  ['trade_timestamp', 'ttms', 'n'],
  ['sequential_id', 'sid', 'n'],
  ['best_ask_price', 'bap', 'd'],
  ['best_ask_size', 'bas', 'd'],
  ['best_bid_price', 'bbp', 'd'],
  ['best_bid_size', 'bbs', 'd'],
  ['timestamp', 'tms', 'n'],
  ['stream_type', 'st', 's'],
]

export const ORDERBOOK_FIELDS: readonly Field[] = [
  ['code', 'cd', 's'],
  ['total_ask_size', 'tas', 'd'],
  ['total_bid_size', 'tbs', 'd'],
  ['level', 'lv', 'd'],
  ['timestamp', 'tms', 'n'],
  ['stream_type', 'st', 's'],
]
/** Each element of `orderbook_units` (`obu`). */
export const ORDERBOOK_UNIT_FIELDS: readonly Field[] = [
  ['ask_price', 'ap', 'd'],
  ['bid_price', 'bp', 'd'],
  ['ask_size', 'as', 'd'],
  ['bid_size', 'bs', 'd'],
]

export const CANDLE_FIELDS: readonly Field[] = [
  ['code', 'cd', 's'],
  ['candle_date_time_utc', 'cdttmu', 's'],
  ['candle_date_time_kst', 'cdttmk', 's'],
  ['opening_price', 'op', 'd'],
  ['high_price', 'hp', 'd'],
  ['low_price', 'lp', 'd'],
  ['trade_price', 'tp', 'd'],
  ['candle_acc_trade_volume', 'catv', 'd'],
  ['candle_acc_trade_price', 'catp', 'd'],
  ['timestamp', 'tms', 'n'],
  ['stream_type', 'st', 's'],
]

export const MY_ORDER_FIELDS: readonly Field[] = [
  ['code', 'cd', 's'],
  ['uuid', 'uid', 's'],
  ['ask_bid', 'ab', 's'],
  ['order_type', 'ot', 's'],
  ['state', 's', 's'],
  ['trade_uuid', 'tuid', 's'],
  ['price', 'p', 'd'],
  ['avg_price', 'ap', 'd'],
  ['volume', 'v', 'd'],
  ['remaining_volume', 'rv', 'd'],
  ['executed_volume', 'ev', 'd'],
  ['trades_count', 'tc', 'n'],
  ['reserved_fee', 'rsf', 'd'],
  ['remaining_fee', 'rmf', 'd'],
  ['paid_fee', 'pf', 'd'],
  ['locked', 'l', 'd'],
  ['executed_funds', 'ef', 'd'],
  ['time_in_force', 'tif', 's'],
  ['trade_fee', 'tf', 'd'],
  ['is_maker', 'im', 'b'],
  ['identifier', 'id', 's'],
  ['smp_type', 'smpt', 's'],
  ['prevented_volume', 'pv', 'd'],
  ['prevented_locked', 'pl', 'd'],
  ['trade_timestamp', 'ttms', 'n'],
  ['order_timestamp', 'otms', 'n'],
  ['timestamp', 'tms', 'n'],
  ['stream_type', 'st', 's'],
]

export const MY_ASSET_FIELDS: readonly Field[] = [
  ['asset_uuid', 'astuid', 's'],
  ['asset_timestamp', 'asttms', 'n'],
  ['timestamp', 'tms', 'n'],
  ['stream_type', 'st', 's'],
]
/** Each element of `assets` (`ast`). */
export const ASSET_FIELDS: readonly Field[] = [
  ['currency', 'cu', 's'],
  ['balance', 'b', 'd'],
  ['locked', 'l', 'd'],
]

/** DEFAULT → SIMPLE key of every table, for encoders (the simulator) that write SIMPLE frames. */
export function simpleKeys(fields: readonly Field[]): Record<string, string> {
  return Object.fromEntries(fields.map(([name, simple]) => [name, simple]))
}
