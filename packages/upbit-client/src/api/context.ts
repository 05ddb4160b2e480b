/** What every API area's methods are built from: one transport, one limiter, shared call helpers. */
import type { z } from 'zod'
import type { CallOptions, CreateOrderDeps } from '../orders.js'
import type { RateLimiter, RateLimitGroup } from '../rate-limiter.js'
import type { Params } from '../signing.js'
import type { Transport } from '../transport.js'

export interface ApiContext {
  transport: Transport
  limiter: RateLimiter
  /** A quotation call: no keys, IP-limited group. */
  quote<T>(path: string, group: RateLimitGroup, params: Params, schema: z.ZodType<T>, o?: CallOptions): Promise<T>
  /** An exchange call: signed; POSTs are never retried blindly. */
  exchange<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    params: Params | undefined,
    schema: z.ZodType<T>,
    o?: CallOptions,
    group?: RateLimitGroup,
  ): Promise<T>
  orderDeps: CreateOrderDeps
}

/** A time parameter: ISO 8601 string (with `:` and `+`, hashed unencoded) or a Date. */
export type TimeInput = string | Date
export type OrderBy = 'asc' | 'desc'

export const iso = (value: TimeInput | number | undefined): string | number | undefined =>
  value instanceof Date ? value.toISOString() : value
export const list = (values: readonly string[] | undefined): string | undefined => values?.join(',')
