/**
 * The Lua scripts behind the Redis limiter store. Each runs atomically inside Redis, so no two processes can take
 * the same slot: the check and the write are one step. Times are the callers' epoch milliseconds.
 *
 * Keys of one scope (a pocket, or the IP the quotation groups are counted for) share a `{scope}` hash tag, so they
 * live in one slot of a Redis Cluster too:
 * - `<prefix>{<scope>}:<group>:log`   sorted set of send slots (score = send time, possibly in the near future)
 * - `<prefix>{<scope>}:<group>:state` hash: `paused` (no sends before), `liveSec`/`liveRem` (Remaining-Req),
 *                                     `banUntil` and `ban` (the 418 as JSON)
 * - `<prefix>{<scope>}:members`        sorted set of the processes on the scope (score = last contact)
 * - `<prefix>{<scope>}:shares`         hash: process → how many processes it saw (its share if it falls back)
 */

/**
 * The processes on a scope (kept by the heartbeats), and the shares held back for the silent ones: a process silent
 * for longer than staleMs (but not yet presumeMs) may have lost Redis and be sending on its local share.
 */
const HELD = `
local function held(membersKey, sharesKey, now, staleMs, presumeMs, limit)
  local n = redis.call('ZCARD', membersKey)
  local total = 0
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', membersKey, now - presumeMs, now - staleMs)) do
    local seen = tonumber(redis.call('HGET', sharesKey, m)) or n
    if limit >= seen then total = total + math.floor(limit / seen) else total = total + 1 end
  end
  return n, total
end
`

/** The heartbeat's bookkeeping: registers the caller and forgets the processes silent for longer than presumeMs. */
const MEMBERS = `
local function members(membersKey, sharesKey, me, now, presumeMs)
  redis.call('ZADD', membersKey, now, me)
  local gone = redis.call('ZRANGEBYSCORE', membersKey, '-inf', now - presumeMs)
  for _, m in ipairs(gone) do redis.call('HDEL', sharesKey, m) end
  redis.call('ZREMRANGEBYSCORE', membersKey, '-inf', now - presumeMs)
  local n = redis.call('ZCARD', membersKey)
  redis.call('HSET', sharesKey, me, n)
  redis.call('PEXPIRE', membersKey, presumeMs * 2)
  redis.call('PEXPIRE', sharesKey, presumeMs * 2)
  return n
end
`

/**
 * KEYS: log, state, members, shares.
 * ARGV: now, limit, window (interval + margin), margin, slot id, process id, ahead (furthest reservation), reported
 * sec (-1: none), reported at, staleMs, presumeMs, counted (1/0), lead (ms: how long the caller will take to use a
 * slot it is given now; slots in a window at least half full are given no earlier than that), want (slots the
 * process could use at once: a lease), then the ids of leased slots the process gives back unused.
 * Returns {0, at, '', n, granted} for `granted` slots at `at` (ids: the slot id, then id.1, id.2, ...; more than one
 * only while the window stays at most half full, so a lease never takes what other processes need),
 * {1, retryAt, '', n} for "ask again", {2, banUntil, banJson, n} while banned.
 */
export const RESERVE = `${HELD}
for i = 15, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local margin = tonumber(ARGV[4])
local ahead = tonumber(ARGV[7])
local n, heldBack = held(KEYS[3], KEYS[4], now, tonumber(ARGV[10]), tonumber(ARGV[11]), limit)

local st = redis.call('HMGET', KEYS[2], 'paused', 'liveSec', 'liveRem', 'banUntil', 'ban')
local paused = tonumber(st[1]) or 0
local liveSec = tonumber(st[2]) or -1
local liveRem = tonumber(st[3]) or -1
local banUntil = tonumber(st[4]) or 0
-- A Remaining-Req this process saw since its last call: the fewest left in a second wins.
local reported = tonumber(ARGV[8])
if reported >= 0 then
  local second = math.floor(tonumber(ARGV[9]) / 1000)
  if second > liveSec then
    liveSec = second
    liveRem = reported
  elseif second == liveSec and (liveRem < 0 or reported < liveRem) then
    liveRem = reported
  end
end
if now < banUntil then return {2, banUntil, st[5], n} end

local at = math.max(now, paused)
local granted = 1
if ARGV[12] == '1' then
  local cap = limit - heldBack
  if cap < 1 then return {1, now + 100, '', n} end
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2]
  if newest then
    -- Slots are handed out in order: never before a slot already promised.
    at = math.max(at, tonumber(newest))
    -- Forget the sends no later slot can share a window with. Not by \`now\` alone: a caller whose clock reading is
    -- older (its request was slow to arrive) may still get a slot before this \`now\`, at the newest slot.
    local bound = math.min(now, tonumber(newest)) - window
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', bound)
    -- Re-timing (RETIME) places slots out of order: it must know how far back the log is complete.
    if bound > (tonumber(redis.call('HGET', KEYS[2], 'pruned')) or -1) then redis.call('HSET', KEYS[2], 'pruned', bound) end
  end
  local count = redis.call('ZCARD', KEYS[1])
  -- Where the budget binds, a slot its caller can only use after the reply is handled would be missed (used too late
  -- and given back): give it for when the caller can use it.
  if count * 2 >= cap then at = math.max(at, now + (tonumber(ARGV[13]) or 0)) end
  if count >= cap then
    -- At most cap sends in any window: the cap-th most recent send must have left the window.
    at = math.max(at, tonumber(redis.call('ZRANGE', KEYS[1], count - cap, count - cap, 'WITHSCORES')[2]) + window)
  end
  if liveRem == 0 and math.floor(at / 1000) == liveSec then at = (liveSec + 1) * 1000 + margin end
  if at - now > ahead then
    redis.call('HSET', KEYS[2], 'liveSec', liveSec, 'liveRem', liveRem)
    return {1, at - ahead, '', n}
  end
  -- A lease: more slots at the same instant, only when they are free now and the window stays at most half full.
  if at <= now then
    local extra = math.min((tonumber(ARGV[14]) or 1) - 1, math.floor(cap / 2) - count - 1)
    if liveRem >= 0 and math.floor(at / 1000) == liveSec then extra = math.min(extra, liveRem - 1) end
    for i = 1, extra do
      redis.call('ZADD', KEYS[1], at, ARGV[5] .. '.' .. i)
      granted = granted + 1
    end
  end
  redis.call('ZADD', KEYS[1], at, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], math.ceil(at - now + window) + 1000)
  if liveRem > 0 and math.floor(at / 1000) == liveSec then liveRem = math.max(0, liveRem - granted) end
end
redis.call('HSET', KEYS[2], 'liveSec', liveSec, 'liveRem', liveRem)
redis.call('PEXPIRE', KEYS[2], math.max(banUntil - now, 0) + 86400000)
return {0, at, '', n, granted}
`

/**
 * KEYS: log, state, members, shares. ARGV: now, limit, window, margin, slot id, ahead, staleMs, presumeMs, span.
 * A slot its caller could not use on time (it woke up late, or a pause came first) moves to the earliest instant at
 * or after `now` (and the pause) where a send keeps every window within the budget: usually `now` itself, as the
 * slots after it are not reserved yet. Only where the window is full does it go further, past the sends in its way.
 * `span` (ms): the caller may need that long to get the answer (it was that late already); the slot is then good
 * from `at` to `at + span`, checked against every window it may fall in and logged at its end.
 * Same replies as RESERVE, a slot with its end: {0, at, '', n, 1, until} ({1, retryAt} gives the slot up: the
 * instant lies beyond `ahead`).
 */
export const RETIME = `${HELD}
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local margin = tonumber(ARGV[4])
local id = ARGV[5]
local ahead = tonumber(ARGV[6])
local n, heldBack = held(KEYS[3], KEYS[4], now, tonumber(ARGV[7]), tonumber(ARGV[8]), limit)
local span = math.max(0, tonumber(ARGV[9]) or 0)
local st = redis.call('HMGET', KEYS[2], 'paused', 'liveSec', 'liveRem', 'banUntil', 'ban', 'span', 'spanUntil', 'pruned')
local paused = tonumber(st[1]) or 0
local liveSec = tonumber(st[2]) or -1
local liveRem = tonumber(st[3]) or -1
local banUntil = tonumber(st[4]) or 0
-- Slots re-timed with a span are logged at their latest instant and may be used up to \`spanned\` earlier.
local spanned = 0
if now < (tonumber(st[7]) or 0) then spanned = tonumber(st[6]) or 0 end
local old = redis.call('ZSCORE', KEYS[1], id)
redis.call('ZREM', KEYS[1], id)
if old and liveRem >= 0 and math.floor(tonumber(old) / 1000) == liveSec then liveRem = liveRem + 1 end
local function finish(reply)
  redis.call('HSET', KEYS[2], 'liveSec', liveSec, 'liveRem', liveRem)
  return reply
end
if now < banUntil then return finish({2, banUntil, st[5], n}) end
local cap = limit - heldBack
if cap < 1 then return finish({1, now + 100, '', n}) end
-- Sends up to \`pruned\` were forgotten: a slot whose windows reach back past that could not be checked (a caller
-- whose clock reading is older than another's request that pruned the log).
local base = math.max(now, paused, (tonumber(st[8]) or -window) + window)
local function scores(from, to)
  local flat = redis.call('ZRANGEBYSCORE', KEYS[1], from, to, 'WITHSCORES')
  local out = {}
  for i = 2, #flat, 2 do out[#out + 1] = tonumber(flat[i]) end
  return out
end
-- A send anywhere in [c, c + span] fits if every window (r - window, r] it may fall in holds fewer than cap others,
-- each logged slot e counted where it may be used: [e - spanned, e]. The windows to check end at c and wherever a
-- logged slot starts to count, up to one window after c + span.
local function fits(c)
  local hi = c + span
  if liveRem == 0 and (math.floor(c / 1000) == liveSec or math.floor(hi / 1000) == liveSec) then return false end
  local near = scores('(' .. (c - window), '(' .. (hi + window + spanned))
  if #near < cap then return true end
  local ends = {c}
  for _, e in ipairs(near) do
    if e - spanned > c and e - spanned < hi + window then ends[#ends + 1] = e - spanned end
  end
  for _, r in ipairs(ends) do
    local count = 0
    for _, e in ipairs(near) do if e > r - window and e - spanned <= r then count = count + 1 end end
    if count >= cap then return false end
  end
  return true
end
-- Candidates: the earliest instant, each instant a logged send leaves the window, and the next live second.
local candidates = {base}
for _, e in ipairs(scores('(' .. (base - window), '+inf')) do candidates[#candidates + 1] = e + window end
if liveRem == 0 then candidates[#candidates + 1] = math.max(base, (liveSec + 1) * 1000 + margin) end
table.sort(candidates)
local at
for _, c in ipairs(candidates) do
  if c >= base and fits(c) then
    at = c
    break
  end
end
if at - now > ahead then return finish({1, at - ahead, '', n}) end
-- Logged at the latest instant it may be used: every slot reserved after it in order keeps a full window from there.
local hi = at + span
redis.call('ZADD', KEYS[1], hi, id)
redis.call('PEXPIRE', KEYS[1], math.ceil(hi - now + window) + 1000)
if span > 0 then
  redis.call('HSET', KEYS[2], 'span', math.max(spanned, span), 'spanUntil', math.max(tonumber(st[7]) or 0, hi + window))
end
if liveRem > 0 and math.floor(at / 1000) == liveSec then liveRem = liveRem - 1 end
return finish({0, at, '', n, 1, hi})
`

/**
 * KEYS: state. ARGV: kind ('pause' | 'ban'), until, ban JSON, channel, message, now.
 * Records a pause (the later end wins) or a ban, and tells every process on the scope at once.
 */
export const REPORT = `
local now = tonumber(ARGV[6])
local untilMs = tonumber(ARGV[2])
if ARGV[1] == 'pause' then
  local paused = tonumber(redis.call('HGET', KEYS[1], 'paused')) or 0
  if untilMs > paused then redis.call('HSET', KEYS[1], 'paused', untilMs) end
else
  local banUntil = tonumber(redis.call('HGET', KEYS[1], 'banUntil')) or 0
  if untilMs > banUntil then redis.call('HSET', KEYS[1], 'banUntil', untilMs, 'ban', ARGV[3]) end
end
redis.call('PEXPIRE', KEYS[1], math.max(untilMs - now, 0) + 86400000)
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
`

/**
 * KEYS: members, shares. ARGV: now, process id, staleMs, presumeMs, then pairs of (process, processes it saw) for the
 * processes this one knew before it lost Redis. A process rejoining an empty Redis (restarted without persistence)
 * enters the others as already silent, so their local shares stay held back until they rejoin too.
 * Returns {n, process, seen, process, seen, ...}: the processes on the scope now.
 */
export const BEAT = `${MEMBERS}
local now = tonumber(ARGV[1])
local staleMs = tonumber(ARGV[3])
for i = 5, #ARGV, 2 do
  if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], now - staleMs - 1, ARGV[i])
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  end
end
local n = members(KEYS[1], KEYS[2], ARGV[2], now, tonumber(ARGV[4]))
local out = {n}
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all do out[#out + 1] = all[i] end
return out
`
