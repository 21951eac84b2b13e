/**
 * The one server-side script behind shared budgets (see README.md, "Shared
 * reservations"). Every change to a budget's shared state runs inside it, so a
 * check and the reservation it admits are one atomic step for every process.
 *
 * Per budget four keys (KEYS holds 4 per budget, in the order below):
 * - `entries` HASH: entry id → `<kind>:<nano-USD>`; kind `r` (reserved, in flight),
 *   `u` (finished, not yet seen in ClickHouse) or `s` (seen by some process's scan).
 * - `leases` ZSET: the `r` and `u` entries by lease end (Redis TIME, ms).
 * - `seen` ZSET: the `s` entries by the start time of the scan that saw them.
 * - `totals` HASH: running sums `reserved`, `unconfirmed` (nano-USD) and counters
 *   `dropped`, `expired`.
 *
 * Amounts are nano-USD in Lua numbers (doubles, exact to 2^53 nano-USD, $9M).
 *
 * ARGV: op, callerNowMs, leaseMs, maxEntries, seenRetentionMs, keyTtlMs, then per op:
 * - `reserve`: a batch: n, then per call: id, units, m, then m × (budget index in
 *   KEYS groups, room (-1: no limit), figureAtMs). Each call is admitted (and
 *   reserved) in all of its budgets or in none, in order. Returns per call
 *   {admitted 1|0, position of the budget without room, its figure}, then per
 *   budget of KEYS its live figure after the batch.
 * - `sync`: per budget: figureAtMs, n, n × (id, kind, units) upserts, n, n × id
 *   deletes, n, n × (id, seenAtMs) seen. Returns per budget 6 numbers: shared,
 *   reserved, unconfirmed, seen, dropped, expired. Every upserted entry gets a fresh
 *   lease: the process's renewal.
 * - `update`: as `sync`, but an upserted entry that is live already keeps its lease
 *   (the changes between renewals, e.g. a call finished: one ZADD fewer per budget).
 * - `grant`: per budget of KEYS: grant entry id, room (-1: no limit), figureAtMs,
 *   target, floor (nano-USD). Sets the process's headroom entry (kind `r`, fresh
 *   lease): a growth takes at most half of `room - shared`, and never less than
 *   `floor` (what the process's calls use of it) is held. Returns per budget what
 *   it holds now. See shared-grants.ts.
 */
export const sharedBudgetScript = `
local op = ARGV[1]
local callerNow = tonumber(ARGV[2])
local leaseMs = tonumber(ARGV[3])
local maxEntries = tonumber(ARGV[4])
local seenRetentionMs = tonumber(ARGV[5])
local keyTtlMs = tonumber(ARGV[6])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local budgets = #KEYS / 4

local function fmt(n) return string.format('%.0f', n) end

local function keysOf(b)
  local base = (b - 1) * 4
  return { entries = KEYS[base + 1], leases = KEYS[base + 2], seen = KEYS[base + 3], totals = KEYS[base + 4] }
end

local chunk = 500

-- Run redis.call(command, key, <prefix...>, <items...>) in chunks: unpack() has a stack limit.
local function callChunked(command, key, items)
  for first = 1, #items, chunk do
    redis.call(command, key, unpack(items, first, math.min(first + chunk - 1, #items)))
  end
end

local function valuesOf(k, ids)
  local values = {}
  for first = 1, #ids, chunk do
    local part = redis.call('HMGET', k.entries, unpack(ids, first, math.min(first + chunk - 1, #ids)))
    for index = 1, #part do values[first + index - 1] = part[index] end
  end
  return values
end

-- Remove entries by id, in a few calls whatever their number; returns how many there were.
local function removeEntries(k, ids)
  if #ids == 0 then return 0 end
  local values = valuesOf(k, ids)
  local present, reserved, unconfirmed = {}, 0, 0
  for index, value in ipairs(ids) do
    local entry = values[index]
    if entry then
      present[#present + 1] = value
      local kind = string.sub(entry, 1, 1)
      local units = tonumber(string.sub(entry, 3))
      if kind == 'r' then reserved = reserved + units elseif kind == 'u' then unconfirmed = unconfirmed + units end
    end
  end
  if #present == 0 then return 0 end
  callChunked('HDEL', k.entries, present)
  callChunked('ZREM', k.leases, present)
  callChunked('ZREM', k.seen, present)
  if reserved ~= 0 then redis.call('HINCRBY', k.totals, 'reserved', fmt(-reserved)) end
  if unconfirmed ~= 0 then redis.call('HINCRBY', k.totals, 'unconfirmed', fmt(-unconfirmed)) end
  return #present
end

local function purgeLeases(k)
  local expired = redis.call('ZRANGEBYSCORE', k.leases, '-inf', now, 'LIMIT', 0, 1000)
  if #expired > 0 then redis.call('HINCRBY', k.totals, 'expired', removeEntries(k, expired)) end
end

local function purgeSeen(k)
  removeEntries(k, redis.call('ZRANGEBYSCORE', k.seen, '-inf', fmt(callerNow - seenRetentionMs), 'LIMIT', 0, 1000))
end

-- Live spend plus the seen entries that a figure read at figureAtMs may not hold yet.
local function shared(k, figureAtMs)
  local totals = redis.call('HMGET', k.totals, 'reserved', 'unconfirmed')
  local sum = (tonumber(totals[1]) or 0) + (tonumber(totals[2]) or 0)
  local ids = redis.call('ZRANGEBYSCORE', k.seen, '(' .. fmt(figureAtMs), '+inf')
  if #ids > 0 then
    for _, value in ipairs(valuesOf(k, ids)) do
      if value then sum = sum + tonumber(string.sub(value, 3)) end
    end
  end
  return sum
end

-- A process's own sum of finished calls (<process>:u) or its headroom (<process>:grant):
-- one entry that stands for many calls, never dropped at the cap.
local function standsForMany(id)
  return string.sub(id, -2) == ':u' or string.sub(id, -6) == ':grant'
end

-- Past the cap: the oldest seen entries go first, then those whose lease ends first; counted.
local function enforceCap(k)
  local excess = redis.call('HLEN', k.entries) - maxEntries
  if excess <= 0 then return end
  local victims = redis.call('ZRANGE', k.seen, 0, excess - 1)
  if #victims < excess then
    -- A few more than needed: the sums and grants among them are skipped.
    local more = redis.call('ZRANGE', k.leases, 0, (excess - #victims) + 63)
    for _, id in ipairs(more) do
      if #victims >= excess then break end
      if not standsForMany(id) then victims[#victims + 1] = id end
    end
  end
  redis.call('HINCRBY', k.totals, 'dropped', removeEntries(k, victims))
end

-- Set entries (kind r or u) with fresh leases: a few calls whatever their number.
-- With renew false (op update), an entry that is live already (r or u) keeps its lease:
-- its process renews every lease with each full sync, so a change need not write one.
local function upsert(k, ids, kinds, units, renew)
  if #ids == 0 then return end
  local values = valuesOf(k, ids)
  local fields, leases, wasSeen = {}, {}, {}
  local reserved, unconfirmed = 0, 0
  for index, id in ipairs(ids) do
    local old = values[index]
    local leased = false
    if old then
      local kind = string.sub(old, 1, 1)
      local amount = tonumber(string.sub(old, 3))
      if kind == 'r' then reserved = reserved - amount elseif kind == 'u' then unconfirmed = unconfirmed - amount else wasSeen[#wasSeen + 1] = id end
      leased = kind ~= 's'
    end
    if kinds[index] == 'r' then reserved = reserved + units[index] else unconfirmed = unconfirmed + units[index] end
    fields[#fields + 1] = id
    fields[#fields + 1] = kinds[index] .. ':' .. fmt(units[index])
    if renew or not leased then
      leases[#leases + 1] = now + leaseMs
      leases[#leases + 1] = id
    end
  end
  callChunked('HSET', k.entries, fields)
  callChunked('ZADD', k.leases, leases)
  if #wasSeen > 0 then callChunked('ZREM', k.seen, wasSeen) end
  if reserved ~= 0 then redis.call('HINCRBY', k.totals, 'reserved', fmt(reserved)) end
  if unconfirmed ~= 0 then redis.call('HINCRBY', k.totals, 'unconfirmed', fmt(unconfirmed)) end
  enforceCap(k)
end

local function markSeen(k, ids, times)
  if #ids == 0 then return end
  local values = valuesOf(k, ids)
  local fields, seen, moved = {}, {}, {}
  local reserved, unconfirmed = 0, 0
  for index, id in ipairs(ids) do
    local old = values[index]
    if old and string.sub(old, 1, 1) ~= 's' then
      local amount = tonumber(string.sub(old, 3))
      if string.sub(old, 1, 1) == 'r' then reserved = reserved + amount else unconfirmed = unconfirmed + amount end
      fields[#fields + 1] = id
      fields[#fields + 1] = 's:' .. string.sub(old, 3)
      seen[#seen + 1] = times[index]
      seen[#seen + 1] = id
      moved[#moved + 1] = id
    end
  end
  if #moved == 0 then return end
  callChunked('HSET', k.entries, fields)
  callChunked('ZADD', k.seen, seen)
  callChunked('ZREM', k.leases, moved)
  if reserved ~= 0 then redis.call('HINCRBY', k.totals, 'reserved', fmt(-reserved)) end
  if unconfirmed ~= 0 then redis.call('HINCRBY', k.totals, 'unconfirmed', fmt(-unconfirmed)) end
end

local function keep(k)
  for _, key in pairs(k) do redis.call('PEXPIRE', key, keyTtlMs) end
end

-- The hot path: a batch of calls (those that queued while the previous batch ran) in a
-- few calls per budget, each call admitted in all of its budgets or in none, in order.
if op == 'reserve' then
  local calls = tonumber(ARGV[7])
  local base, added, fields, leases, seenCache = {}, {}, {}, {}, {}
  for b = 1, budgets do
    local k = keysOf(b)
    purgeLeases(k)
    local totals = redis.call('HMGET', k.totals, 'reserved', 'unconfirmed')
    base[b] = (tonumber(totals[1]) or 0) + (tonumber(totals[2]) or 0)
    added[b] = 0
    fields[b] = {}
    leases[b] = {}
    seenCache[b] = {}
  end
  local function seenSum(b, figureAtMs)
    local cached = seenCache[b][figureAtMs]
    if cached then return cached end
    local k = keysOf(b)
    local sum = 0
    local ids = redis.call('ZRANGEBYSCORE', k.seen, '(' .. figureAtMs, '+inf')
    if #ids > 0 then
      for _, value in ipairs(valuesOf(k, ids)) do
        if value then sum = sum + tonumber(string.sub(value, 3)) end
      end
    end
    seenCache[b][figureAtMs] = sum
    return sum
  end
  local reply = {}
  local at = 8
  local leaseEnd = now + leaseMs
  for _ = 1, calls do
    local id, unitsText, count = ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2])
    local units = tonumber(unitsText)
    at = at + 3
    local failed, failedFigure, members = 0, 0, {}
    for position = 1, count do
      local b, room, figureAtMs = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), ARGV[at + 2]
      at = at + 3
      members[position] = b
      if failed == 0 then
        local figure = base[b] + added[b] + seenSum(b, figureAtMs)
        if room >= 0 and figure + units > room then
          failed = position
          failedFigure = figure
        end
      end
    end
    if failed == 0 then
      for _, b in ipairs(members) do
        added[b] = added[b] + units
        local entryFields, entryLeases = fields[b], leases[b]
        entryFields[#entryFields + 1] = id
        -- The caller sends whole nano-USD: its own text needs no formatting.
        entryFields[#entryFields + 1] = 'r:' .. unitsText
        entryLeases[#entryLeases + 1] = leaseEnd
        entryLeases[#entryLeases + 1] = id
      end
    end
    reply[#reply + 1] = failed == 0 and 1 or 0
    reply[#reply + 1] = failed
    reply[#reply + 1] = failedFigure
  end
  for b = 1, budgets do
    local k = keysOf(b)
    if #fields[b] > 0 then
      callChunked('HSET', k.entries, fields[b])
      callChunked('ZADD', k.leases, leases[b])
      if added[b] ~= 0 then redis.call('HINCRBY', k.totals, 'reserved', fmt(added[b])) end
      enforceCap(k)
    end
    reply[#reply + 1] = base[b] + added[b]
  end
  return reply
end

if op == 'sync' or op == 'update' then
  local at = 7
  local reply = {}
  for b = 1, budgets do
    local k = keysOf(b)
    purgeLeases(k)
    purgeSeen(k)
    local figureAtMs = tonumber(ARGV[at])
    local count = tonumber(ARGV[at + 1])
    at = at + 2
    local ids, kinds, units = {}, {}, {}
    for index = 1, count do
      ids[index] = ARGV[at]
      kinds[index] = ARGV[at + 1]
      units[index] = tonumber(ARGV[at + 2])
      at = at + 3
    end
    upsert(k, ids, kinds, units, op == 'sync')
    count = tonumber(ARGV[at])
    at = at + 1
    local deletes = {}
    for index = 1, count do
      deletes[index] = ARGV[at]
      at = at + 1
    end
    removeEntries(k, deletes)
    count = tonumber(ARGV[at])
    at = at + 1
    local seenIds, times = {}, {}
    for index = 1, count do
      seenIds[index] = ARGV[at]
      times[index] = ARGV[at + 1]
      at = at + 2
    end
    markSeen(k, seenIds, times)
    keep(k)
    local totals = redis.call('HMGET', k.totals, 'reserved', 'unconfirmed', 'dropped', 'expired')
    local base = (b - 1) * 6
    reply[base + 1] = shared(k, figureAtMs)
    reply[base + 2] = tonumber(totals[1]) or 0
    reply[base + 3] = tonumber(totals[2]) or 0
    reply[base + 4] = redis.call('ZCARD', k.seen)
    reply[base + 5] = tonumber(totals[3]) or 0
    reply[base + 6] = tonumber(totals[4]) or 0
  end
  return reply
end

-- A process's headroom: its grant entry grows by at most half of what the budget has
-- left (never past the room), shrinks when asked, and never below what its calls use.
if op == 'grant' then
  local at = 7
  local reply = {}
  for b = 1, budgets do
    local k = keysOf(b)
    purgeLeases(k)
    local id, room, figureAtMs = ARGV[at], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
    local target, floor = tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4])
    at = at + 5
    local current = redis.call('HGET', k.entries, id)
    local old = 0
    if current and string.sub(current, 1, 1) == 'r' then old = tonumber(string.sub(current, 3)) end
    local granted = target
    if target > old and room >= 0 then
      local free = room - shared(k, figureAtMs)
      granted = old + math.max(0, math.min(target - old, math.floor(free / 2)))
    end
    if granted < floor then granted = floor end
    if granted > 0 then upsert(k, { id }, { 'r' }, { granted }, true) else removeEntries(k, { id }) end
    keep(k)
    reply[b] = granted
  end
  return reply
end

return redis.error_reply('switchyard budget script: unknown op ' .. tostring(op))
`
