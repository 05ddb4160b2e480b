/**
 * A limiter store in Redis, so every process on one Upbit pocket draws from one budget. An atomic Lua script
 * reserves the send slot (at most one round trip per request: a busy process leases several at once), another
 * re-times a slot its caller was late for; 429 pauses and 418 bans are written to Redis and published, so every
 * process applies them at once. When Redis cannot be reached, each process sends on a local share of the
 * budget (budget ÷ processes seen), warns, and rejoins when Redis answers again.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Redis } from 'ioredis'
import { UpbitBanError, UpbitRequestError } from './errors.js'
import {
  createMemoryLimiterStore,
  type GroupHold,
  type LimiterReport,
  type LimiterStore,
  type Reservation,
  type SlotRequest,
} from './limiter-store.js'
import { type GroupBudget, IP_GROUPS } from './rate-limiter.js'
import { BEAT, REPORT, RESERVE, RETIME } from './redis-limiter-scripts.js'

export interface RedisLimiterStoreOptions {
  /**
   * An ioredis client for the Redis all processes share. The store opens two connections of its own with
   * `duplicate()` (requests fail fast while disconnected; one connection listens for pauses and bans) and leaves
   * yours untouched. Required.
   */
  redis: Redis
  /** Name of the pocket (sub-account) this process trades on; processes with the same name share its budgets. Required. */
  pocket: string
  /** Name of the public IP the quotation groups (counted per IP by Upbit) are shared under. Default: the host name. */
  ipScope?: string
  /** Prefix of every key and channel. Default `'tradekit:upbit:'`. */
  prefix?: string
  /**
   * How far ahead a slot may be reserved; a caller further back in the queue asks again later. Kept under one window,
   * so a caller that wakes late finds the slots after its own not yet promised and keeps its place. Default 500 ms.
   */
  reserveAheadMs?: number
  /** A Redis call that takes longer than this counts as Redis unavailable. Default 1000 ms. */
  commandTimeoutMs?: number
  /** How long the first requests wait for the first contact with Redis before falling back. Default 10000 ms. */
  joinTimeoutMs?: number
  /** How often the process tells Redis it is alive (and, after a failure, tries to rejoin). Default 500 ms. */
  heartbeatMs?: number
  /** A process silent for longer than this is presumed to be sending on its local share. Default 3 × heartbeatMs. */
  staleMs?: number
  /** A process silent for longer than this is presumed gone, and its share returns to the others. Default 30000 ms. */
  presumeGoneMs?: number
  /** Processes to assume when Redis is lost before any contact. Default 1 (then: the processes last seen). */
  fallbackProcesses?: number
  /** Told when the store falls back to its local share or rejoins Redis. Default: `console.warn`. */
  onStatus?: (event: RedisLimiterStoreEvent) => void
  /** Clock for heartbeats and reports, epoch ms. Default `Date.now` (give every process on a pocket the same clock source: NTP). */
  now?: () => number
}

/** A change of the store's mode. `message` is safe to log (no URL, no password). */
export interface RedisLimiterStoreEvent {
  mode: 'shared' | 'fallback'
  message: string
  /** The processes the local share is computed from (fallback), or seen on the pocket (shared). */
  processes: number
  cause?: unknown
}

export interface RedisLimiterStore extends LimiterStore {
  /** `'shared'` while Redis answers, `'fallback'` while the process is on its local share. */
  mode(): 'shared' | 'fallback'
  /** Stops the heartbeat and closes the store's own connections (not the client you passed). */
  close(): Promise<void>
}

interface BanJson {
  method: string
  url: string
  status: number
  errorName: string | number | undefined
  upbitMessage: string
  group: string
  banMs: number | undefined
  bannedUntil: number
}

/** kind (0 slot, 1 ask again, 2 banned), time, ban JSON, processes on the scope, slots granted (a lease: more than 1). */
type ScriptReply = [number, number, string, number, number?, number?]

/** The most slots one reservation leases at once. */
const MAX_LEASE = 32
/** The longest a re-timed slot stays good for a caller that was late (it may be as late again getting the answer). */
const MAX_SPAN = 250

/** The local share of a budget when `processes` split it: never more than budget ÷ processes, never zero. */
export function fallbackShare(budget: GroupBudget, processes: number): GroupBudget {
  const n = Math.max(1, processes)
  if (budget.limit >= n) return { limit: Math.floor(budget.limit / n), intervalMs: budget.intervalMs }
  return { limit: 1, intervalMs: Math.ceil((budget.intervalMs * n) / budget.limit) }
}

function timeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

export function createRedisLimiterStore(options: RedisLimiterStoreOptions): RedisLimiterStore {
  if (!options?.redis) {
    throw new UpbitRequestError(
      'createRedisLimiterStore needs `redis`: an ioredis client for the shared Redis.',
      'invalid_option',
    )
  }
  if (!options.pocket) {
    throw new UpbitRequestError(
      'createRedisLimiterStore needs `pocket`: the name every process on the same Upbit pocket shares.',
      'invalid_option',
    )
  }
  const now = options.now ?? Date.now
  const prefix = options.prefix ?? 'tradekit:upbit:'
  const ahead = options.reserveAheadMs ?? 500
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000
  const joinTimeoutMs = options.joinTimeoutMs ?? 10_000
  const heartbeatMs = options.heartbeatMs ?? 500
  const staleMs = options.staleMs ?? 3 * heartbeatMs
  const presumeGoneMs = options.presumeGoneMs ?? 30_000
  const onStatus =
    options.onStatus ??
    ((event: RedisLimiterStoreEvent) => console.warn(`[@tradekit/upbit-client] rate-limit store: ${event.message}`))
  const me = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  const scopes = { pocket: `pocket:${options.pocket}`, ip: `ip:${options.ipScope ?? hostname()}` }
  const scopeOf = (group: string) => (IP_GROUPS.has(group) ? scopes.ip : scopes.pocket)
  const key = (scope: string, suffix: string) => `${prefix}{${scope}}:${suffix}`
  const channelOf = (scope: string) => key(scope, 'events')

  // Our own connections: a request must fail at once while Redis is away (the offline queue would hold it).
  const commands = options.redis.duplicate({ enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: false })
  const events = options.redis.duplicate({ lazyConnect: false })
  commands.defineCommand('tradekitReserve', { numberOfKeys: 4, lua: RESERVE })
  commands.defineCommand('tradekitRetime', { numberOfKeys: 4, lua: RETIME })
  commands.defineCommand('tradekitReport', { numberOfKeys: 1, lua: REPORT })
  commands.defineCommand('tradekitBeat', { numberOfKeys: 2, lua: BEAT })
  type Scripted = Redis & {
    tradekitReserve(...args: Array<string | number>): Promise<ScriptReply>
    tradekitRetime(...args: Array<string | number>): Promise<ScriptReply>
    tradekitReport(...args: Array<string | number>): Promise<number>
    tradekitBeat(...args: Array<string | number>): Promise<Array<string | number>>
  }
  const redis = commands as Scripted
  // Swallow connection errors on our connections: the store reports them itself through onStatus.
  commands.on('error', () => {})
  events.on('error', () => {})

  let mode: 'shared' | 'fallback' = 'shared'
  // Read after an await (the compiler would keep the narrowing from before it).
  const currentMode = () => mode
  /** True once the first connection is up and the event channel subscribed. */
  let everReady = false
  const ready = new Promise<void>((resolve) => commands.once('ready', () => resolve()))
  /** Processes seen per scope at the last contact, with what each of them saw (re-entered after a Redis restart). */
  const seen = new Map<string, Map<string, number>>([
    [scopes.pocket, new Map()],
    [scopes.ip, new Map()],
  ])
  /** The count the last reservation reply gave, per scope (between heartbeats). */
  const counted = new Map<string, number>()
  const processesOn = (scope: string) =>
    Math.max(options.fallbackProcesses ?? 1, seen.get(scope)?.size ?? 1, counted.get(scope) ?? 1)

  const holds = new Map<string, GroupHold>()
  const holdOf = (group: string) => {
    let hold = holds.get(group)
    if (!hold) {
      hold = { pausedUntil: 0, ban: undefined }
      holds.set(group, hold)
    }
    return hold
  }
  const pendingRemaining = new Map<string, { sec: number; at: number }>()
  // When Redis said "no slot within reserveAheadMs, ask again at T", the other callers of the group in this process
  // wait for T too instead of each asking Redis to hear the same answer.
  const askAgainAt = new Map<string, number>()
  // Reservations on their way: a burst's replies arrive together and their callers run one after another, so the
  // last of N uses its slot about N call-preparations later. Slots are asked for that much ahead where the budget binds.
  let inFlight = 0
  const lead = () => Math.min(250, 2 + inFlight)

  // A local token lease: when a group's slots are used faster than one round trip each, one reservation asks for as
  // many as this process used in the last half margin, all at one instant. They are counted in Redis like any slot
  // (the script grants them only while the window stays at most half full), handed out here without a round trip
  // while they are on time (half a margin, leaving the other half to send), and given back unused when they expire.
  const pools = new Map<string, Array<{ at: number; id: string }>>()
  /** Leases on their way, per group: settled once their slots are in the pool. */
  const leases = new Map<string, Promise<void>>()
  const served = new Map<string, number[]>()
  const leaseLife = (request: SlotRequest) => request.marginMs / 2
  function demand(request: SlotRequest): number {
    const times = served.get(request.group)
    if (!times || leaseLife(request) < 1) return 1
    while (times.length > 0 && times[0]! < request.now - leaseLife(request)) times.shift()
    return Math.min(MAX_LEASE, times.length + 1)
  }
  function serve(request: SlotRequest, reservation: Reservation): Reservation {
    if (reservation.kind !== 'slot' || !request.counted) return reservation
    let times = served.get(request.group)
    if (!times) {
      times = []
      served.set(request.group, times)
    }
    times.push(request.now)
    if (times.length > MAX_LEASE) times.shift()
    return reservation
  }
  // Leased slots never sent, given back to Redis with the group's next reservation (no round trip of their own).
  const unused = new Map<string, string[]>()
  function handBack(group: string, ids: string[]): void {
    if (ids.length === 0) return
    const list = unused.get(group) ?? []
    list.push(...ids)
    unused.set(group, list)
  }
  function dropPool(group: string): void {
    const pool = pools.get(group)
    if (!pool) return
    pools.delete(group)
    handBack(
      group,
      pool.map((leased) => leased.id),
    )
  }
  /**
   * A leased slot still on time for a send now, unless a pause or a ban outranks the lease. `ahead`: the caller will
   * wait for a slot later than its clock reading (an async caller whose reading is older than the lease).
   */
  function fromPool(request: SlotRequest, ahead = false): Reservation | undefined {
    const pool = pools.get(request.group)
    if (!pool || !request.counted) return undefined
    const hold = holdOf(request.group)
    if ((hold.ban && request.now < hold.ban.bannedUntil) || hold.pausedUntil > request.now) {
      dropPool(request.group)
      return undefined
    }
    const expired: string[] = []
    while (pool.length > 0 && request.now - pool[0]!.at > leaseLife(request)) expired.push(pool.shift()!.id)
    handBack(request.group, expired)
    // Leased slots are at the instant the lease was asked for: never ahead of a caller on the same clock.
    if (pool.length === 0 || (!ahead && pool[0]!.at > request.now)) return undefined
    const leased = pool.shift()!
    if (pool.length === 0) pools.delete(request.group)
    return serve(request, { kind: 'slot', at: leased.at, id: leased.id })
  }

  // Fallback: a local store on this process's share, its sends kept to be written to Redis on rejoining.
  let local = createMemoryLimiterStore()
  let fallbackSince = 0
  const localSends = new Map<string, Array<{ at: number; id: string; window: number }>>()

  const banFromJson = (json: string): UpbitBanError | undefined => {
    try {
      const ban = JSON.parse(json) as BanJson
      return new UpbitBanError(ban)
    } catch {
      return undefined
    }
  }
  const applyBan = (group: string, error: UpbitBanError) => {
    const hold = holdOf(group)
    if (!hold.ban || hold.ban.bannedUntil < error.bannedUntil) hold.ban = error
  }

  function enterFallback(cause: unknown): void {
    if (mode === 'fallback') return
    // Leased slots stay counted in Redis; this process does not use them while it sends on its local share.
    pools.clear()
    unused.clear()
    mode = 'fallback'
    fallbackSince = now()
    local = createMemoryLimiterStore()
    localSends.clear()
    const processes = processesOn(scopes.pocket)
    onStatus({
      mode: 'fallback',
      processes,
      cause,
      message: `Redis is unavailable (${cause instanceof Error ? cause.message : String(cause)}); sending on this process's local share (1/${processes} of each budget) until it returns.`,
    })
  }

  function reserveLocally(request: SlotRequest): Reservation {
    const hold = holdOf(request.group)
    if (hold.ban && request.now < hold.ban.bannedUntil) return { kind: 'banned', error: hold.ban }
    // Slots other processes reserved before Redis went away may lie up to `ahead` in the future (and a late
    // command up to its timeout): start after they have left the window.
    const notBefore = fallbackSince + ahead + commandTimeoutMs + request.budget.intervalMs + request.marginMs
    const budget = fallbackShare(request.budget, processesOn(scopeOf(request.group)))
    const reservation = local.reserve({
      ...request,
      budget,
      now: Math.max(request.now, notBefore, hold.pausedUntil),
    }) as Reservation
    if (reservation.kind === 'slot' && request.counted) {
      let sends = localSends.get(request.group)
      if (!sends) {
        sends = []
        localSends.set(request.group, sends)
      }
      sends.push({ at: reservation.at, id: `${me}:fallback:${reservation.id}`, window: budget.intervalMs + request.marginMs })
    }
    return reservation
  }

  /** The keys and first arguments RESERVE and RETIME share: the group's keys, now, limit, window, margin. */
  function scriptHead(request: SlotRequest): Array<string | number> {
    const scope = scopeOf(request.group)
    return [
      key(scope, `${request.group}:log`),
      key(scope, `${request.group}:state`),
      key(scope, 'members'),
      key(scope, 'shares'),
      request.now,
      request.budget.limit,
      request.budget.intervalMs + request.marginMs,
      request.marginMs,
    ]
  }

  async function reserve(request: SlotRequest): Promise<Reservation> {
    if (mode === 'fallback') return reserveLocally(request)
    const leased = fromPool(request)
    if (leased) return leased
    // A lease on its way serves the callers that come meanwhile; those it cannot serve ask for themselves.
    const leasing = leases.get(request.group)
    if (leasing && request.counted) {
      await leasing
      // Redis may have gone away meanwhile (the lease failed): then the local share.
      if (currentMode() === 'fallback') return reserveLocally(request)
      const joined = fromPool(request, true)
      if (joined) return joined
    }
    const retryAt = askAgainAt.get(request.group) ?? 0
    if (request.counted && retryAt > request.now) return { kind: 'later', retryAt }
    const pending = pendingRemaining.get(request.group)
    pendingRemaining.delete(request.group)
    const id = `${me}:${nextSlot++}`
    const want = request.counted ? demand(request) : 1
    const giveBack = unused.get(request.group) ?? []
    unused.delete(request.group)
    let reply: ScriptReply
    let settled = () => {}
    if (want > 1 && !leases.has(request.group)) {
      const group = request.group
      leases.set(
        group,
        new Promise<void>((resolve) => {
          settled = () => {
            leases.delete(group)
            resolve()
          }
        }),
      )
    }
    try {
      if (!everReady) await timeout(started, joinTimeoutMs)
      inFlight++
      reply = await timeout(
        redis.tradekitReserve(
          ...scriptHead(request),
          id,
          me,
          ahead,
          pending?.sec ?? -1,
          pending?.at ?? 0,
          staleMs,
          presumeGoneMs,
          request.counted ? 1 : 0,
          lead(),
          want,
          ...giveBack,
        ),
        commandTimeoutMs,
      ).finally(() => inFlight--)
    } catch (error) {
      settled()
      enterFallback(error)
      return reserveLocally(request)
    }
    const answered = answer(request, id, reply)
    settled()
    return answered
  }
  let nextSlot = 0

  /** Turns a RESERVE or RETIME reply into a reservation; a lease's further slots go to the pool. */
  function answer(request: SlotRequest, id: string, reply: ScriptReply): Reservation {
    const [kind, value, banJson, processes, granted, until] = reply
    const scope = scopeOf(request.group)
    counted.set(scope, Number(processes))
    if (kind === 2) {
      const error = banFromJson(banJson)
      if (error) {
        applyBan(request.group, error)
        return { kind: 'banned', error: holdOf(request.group).ban! }
      }
      return { kind: 'later', retryAt: Number(value) }
    }
    if (kind === 1) {
      askAgainAt.set(request.group, Math.max(askAgainAt.get(request.group) ?? 0, Number(value)))
      // A slot another caller of this process leased meanwhile serves this one (a lease is never left unused for
      // want of a caller while callers are told to wait).
      return fromPool(request) ?? { kind: 'later', retryAt: Number(value) }
    }
    const at = Number(value)
    if (Number(granted) > 1) {
      let pool = pools.get(request.group)
      if (!pool) {
        pool = []
        pools.set(request.group, pool)
      }
      for (let i = 1; i < Number(granted); i++) pool.push({ at, id: `${id}.${i}` })
    }
    const slot: Reservation =
      until !== undefined && Number(until) > at ? { kind: 'slot', at, id, until: Number(until) } : { kind: 'slot', at, id }
    return serve(request, slot)
  }

  async function retime(request: SlotRequest, id: string, at: number): Promise<Reservation> {
    // A slot from the local share, or Redis away: given back, and reserved anew where the process is now (a local
    // slot taken before rejoining is re-timed in Redis: a new local slot would be one Redis never counted).
    if (mode === 'fallback' || !id.startsWith(me)) {
      local.release(request.group, id, at)
      return reserve(request)
    }
    let reply: ScriptReply
    try {
      reply = await timeout(
        redis.tradekitRetime(
          ...scriptHead(request),
          id,
          ahead,
          staleMs,
          presumeGoneMs,
          // As late as the caller already was, it may be again by the time the answer is handled.
          Math.min(MAX_SPAN, Math.max(0, Math.round(request.now - at))),
        ),
        commandTimeoutMs,
      )
    } catch (error) {
      enterFallback(error)
      return reserveLocally(request)
    }
    return answer(request, id, reply)
  }

  function publish(group: string, report: Exclude<LimiterReport, { kind: 'remaining' }>): void {
    const scope = scopeOf(group)
    const until = report.kind === 'pause' ? report.until : report.error.bannedUntil
    const ban = report.kind === 'ban' ? JSON.stringify(banJson(report.error)) : ''
    const message = JSON.stringify({ group, kind: report.kind, until, ban, from: me })
    const sent = redis.tradekitReport(key(scope, `${group}:state`), report.kind, until, ban, channelOf(scope), message, now())
    timeout(sent, commandTimeoutMs).catch(enterFallback)
  }

  function banJson(error: UpbitBanError): BanJson {
    return {
      method: error.method,
      url: error.url,
      status: error.status,
      errorName: error.errorName,
      upbitMessage: error.upbitMessage,
      group: error.group,
      banMs: error.banMs,
      bannedUntil: error.bannedUntil,
    }
  }

  // Pauses and bans from the other processes, as they happen.
  events.on('message', (channel: string, text: string) => {
    if (channel !== channelOf(scopes.pocket) && channel !== channelOf(scopes.ip)) return
    try {
      const message = JSON.parse(text) as { group: string; kind: string; until: number; ban: string; from: string }
      if (message.from === me || scopeOf(message.group) !== (channel === channelOf(scopes.ip) ? scopes.ip : scopes.pocket)) return
      if (message.kind === 'pause') {
        const hold = holdOf(message.group)
        hold.pausedUntil = Math.max(hold.pausedUntil, message.until)
      } else if (message.kind === 'ban') {
        const error = banFromJson(message.ban)
        if (error) applyBan(message.group, error)
      }
      dropPool(message.group)
    } catch {
      // Not ours: ignore.
    }
  })
  // Listening before the first reservation: a ban published while we were not yet subscribed would be missed.
  // Joined once connected, subscribed and entered in the pocket's members (the first heartbeat).
  const started = Promise.all([ready, events.subscribe(channelOf(scopes.pocket), channelOf(scopes.ip))])
    .then(() => beat())
    .then(() => {
      everReady = true
    })
  started.catch(() => {})

  /** Heartbeat on both scopes; after a failure, the same call rejoins: it writes this process's local sends first. */
  async function beat(): Promise<void> {
    const rejoining = mode === 'fallback'
    const t = now()
    const multi = commands.multi()
    const written = new Set<string>()
    /** Adds this process's local sends not yet written (and still inside their window) to a transaction. */
    const writeLocalSends = (into: ReturnType<typeof commands.multi>) => {
      let count = 0
      for (const [group, sends] of localSends) {
        const recent = sends.filter((send) => !written.has(send.id) && send.at > t - send.window)
        if (recent.length === 0) continue
        const logKey = key(scopeOf(group), `${group}:log`)
        into.zadd(logKey, ...recent.flatMap((send) => [send.at, send.id]))
        into.pexpire(logKey, Math.max(...recent.map((send) => send.at + send.window - t)) + 1000)
        for (const send of recent) written.add(send.id)
        count += recent.length
      }
      return count
    }
    if (rejoining) writeLocalSends(multi)
    for (const scope of [scopes.pocket, scopes.ip]) {
      const others = rejoining ? [...seen.get(scope)!].filter(([id]) => id !== me).flat() : []
      ;(multi as unknown as { tradekitBeat(...args: Array<string | number>): void }).tradekitBeat(
        key(scope, 'members'),
        key(scope, 'shares'),
        t,
        me,
        staleMs,
        presumeGoneMs,
        ...others,
      )
    }
    const results = await timeout(multi.exec(), commandTimeoutMs)
    if (!results) throw new Error('Redis discarded the heartbeat transaction')
    const beats = results.slice(-2)
    for (const [i, scope] of [scopes.pocket, scopes.ip].entries()) {
      const [error, reply] = beats[i]!
      if (error) throw error
      const [, ...pairs] = reply as Array<string | number>
      const members = new Map<string, number>()
      for (let j = 0; j + 1 < pairs.length; j += 2) members.set(String(pairs[j]), Number(pairs[j + 1]))
      seen.set(scope, members)
    }
    if (rejoining) {
      // Local slots taken while the transaction was on its way are written too, before switching: a send Redis
      // never heard of is one the other processes could repeat.
      for (;;) {
        const more = commands.multi()
        if (writeLocalSends(more) === 0) break
        await timeout(more.exec(), commandTimeoutMs)
      }
      mode = 'shared'
      localSends.clear()
      // Bans and pauses this process learnt while away still hold: tell the others.
      for (const [group, hold] of holds) {
        if (hold.ban && hold.ban.bannedUntil > t) publish(group, { kind: 'ban', error: hold.ban })
        if (hold.pausedUntil > t) publish(group, { kind: 'pause', until: hold.pausedUntil })
      }
      const processes = processesOn(scopes.pocket)
      onStatus({
        mode: 'shared',
        processes,
        message: `Redis is back; sharing the pocket's budgets with ${processes} process(es).`,
      })
    }
  }
  let beating = false
  const heartbeat = setInterval(() => {
    if (beating || (mode === 'shared' && !everReady)) return
    beating = true
    beat()
      .catch(enterFallback)
      .finally(() => {
        beating = false
      })
  }, heartbeatMs)
  heartbeat.unref()

  return {
    reserve,
    retime,
    tryReserve: (request) => (mode === 'shared' ? fromPool(request) : undefined),
    release(group, id, at) {
      // Slots from Redis carry this process's id; the others came from the local store.
      if (!id.startsWith(me)) return local.release(group, id, at)
      timeout(commands.zrem(key(scopeOf(group), `${group}:log`), id), commandTimeoutMs).catch(() => {})
    },
    report(group, report) {
      if (report.kind === 'remaining') {
        if (mode === 'fallback') local.report(group, report)
        else {
          // Sent with this process's next request in the group (no extra round trip); it only matters within its second.
          const previous = pendingRemaining.get(group)
          const sameSecond = previous && Math.floor(previous.at / 1000) === Math.floor(report.at / 1000)
          pendingRemaining.set(group, sameSecond && previous.sec < report.sec ? previous : report)
        }
        return
      }
      const hold = holdOf(group)
      if (report.kind === 'pause') hold.pausedUntil = Math.max(hold.pausedUntil, report.until)
      else applyBan(group, report.error)
      dropPool(group)
      if (mode === 'shared') publish(group, report)
    },
    hold: (group) => holdOf(group),
    tracked: (group) => local.tracked(group),
    mode: () => mode,
    async close() {
      clearInterval(heartbeat)
      // Leave the pocket: a process that left is not presumed to be sending on its share.
      if (mode === 'shared' && everReady) {
        const leave = commands.multi()
        for (const scope of [scopes.pocket, scopes.ip]) leave.zrem(key(scope, 'members'), me).hdel(key(scope, 'shares'), me)
        await timeout(leave.exec(), commandTimeoutMs).catch(() => {})
      }
      events.disconnect()
      commands.disconnect()
    },
  }
}
