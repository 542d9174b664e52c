// The Lua scripts of the service. Each runs atomically in Redis; key names come from keys.ts (passed as
// KEYS, or as suffixes the script puts the generation's namespace in front of). This is a single-node
// Redis design: the generation is resolved inside the scripts, so their keys are not all declared up
// front as Redis Cluster would require.
import { LuaScript } from './lua-script';

/**
 * Applies a batch of events, each at most once per generation: SET NX on the event id decides, and only
 * a new id gets its increments. One call per consumer batch.
 */
export const applyEventsScript = new LuaScript(
  'apply-events',
  `
-- KEYS[1] active pointer, KEYS[2] building pointer
-- ARGV[1] '<prefix>:'  ARGV[2] target generation, '' for live: the active one and, while a rebuild runs,
-- the one being built (so events consumed during a rebuild reach the new generation too)
-- ARGV[3] seconds an event id is remembered (0 = for ever)  ARGV[4] suffix of the seen keys
-- Then per event: event id, op count n, and n ops of 5 arguments (op, key suffix, a, b, c):
--   H suffix field incr -         HINCRBY
--   Z suffix member incr -        ZINCRBY
--   X suffix unix-seconds - -     EXPIREAT
--   C suffix name email version   customer display info, the newest version wins
-- Returns how many events were new to the first generation written (the others were duplicates).
local gens = {}
if ARGV[2] ~= '' then
  -- A rebuild writes only while it still owns the building pointer: a wipe or a newer rebuild stops it.
  if redis.call('GET', KEYS[2]) ~= ARGV[2] then return redis.error_reply('ANALYTICS_STALE_REBUILD') end
  gens[1] = ARGV[2]
else
  local active, building = redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])
  if active then gens[#gens + 1] = active end
  if building and building ~= active then gens[#gens + 1] = building end
  if #gens == 0 then return redis.error_reply('ANALYTICS_NO_GENERATION') end
end

-- Versions are '<occurred_at>:<tiebreak>', compared as numbers (Lua compares strings by locale).
local function newer(candidate, stored)
  if not stored then return true end
  local a2, t2 = string.match(stored, '^(%d+):(%d+)$')
  if not a2 then return true end
  local a1, t1 = string.match(candidate, '^(%d+):(%d+)$')
  a1, a2 = tonumber(a1), tonumber(a2)
  return a1 > a2 or (a1 == a2 and tonumber(t1) > tonumber(t2))
end

local ttl = tonumber(ARGV[3])
local fresh = 0
local i = 5
while i <= #ARGV do
  local id, n = ARGV[i], tonumber(ARGV[i + 1])
  local first = i + 2
  for g, gen in ipairs(gens) do
    local ns = ARGV[1] .. gen .. ':'
    local new
    if ttl > 0 then
      new = redis.call('SET', ns .. ARGV[4] .. id, '1', 'NX', 'EX', ttl)
    else
      new = redis.call('SET', ns .. ARGV[4] .. id, '1', 'NX')
    end
    if new then
      if g == 1 then fresh = fresh + 1 end
      for j = first, first + (n - 1) * 5, 5 do
        local op, key = ARGV[j], ns .. ARGV[j + 1]
        if op == 'H' then
          redis.call('HINCRBY', key, ARGV[j + 2], ARGV[j + 3])
        elseif op == 'Z' then
          redis.call('ZINCRBY', key, ARGV[j + 3], ARGV[j + 2])
        elseif op == 'X' then
          redis.call('EXPIREAT', key, ARGV[j + 2])
        elseif op == 'C' and newer(ARGV[j + 4], redis.call('HGET', key, 'v')) then
          redis.call('HSET', key, 'name', ARGV[j + 2], 'email', ARGV[j + 3], 'v', ARGV[j + 4])
        end
      end
    end
  end
  i = first + n * 5
end
return fresh
`,
);

/**
 * Reads day hashes of the active generation. The pointer is resolved in the same atomic step, so a
 * reader never mixes two generations, nor reads one that a finished rebuild is deleting.
 */
export const readKpisScript = new LuaScript(
  'read-kpis',
  `
-- KEYS[1] active pointer; ARGV[1] '<prefix>:'; ARGV[2..] key suffixes of the day hashes
-- Returns { generation, HGETALL of each day }
local gen = redis.call('GET', KEYS[1])
if not gen then return redis.error_reply('ANALYTICS_NO_GENERATION') end
local out = { gen }
for i = 2, #ARGV do out[#out + 1] = redis.call('HGETALL', ARGV[1] .. gen .. ':' .. ARGV[i]) end
return out
`,
);

/** The top of a leaderboard of the active generation, with each customer's display info. */
export const readLeaderboardScript = new LuaScript(
  'read-leaderboard',
  `
-- KEYS[1] active pointer; ARGV[1] '<prefix>:'; ARGV[2] leaderboard suffix; ARGV[3] limit;
-- ARGV[4] suffix of the customer hashes (the customer id is appended)
-- Returns { generation, { customer_id, score, name, email, ... } } highest score first
local gen = redis.call('GET', KEYS[1])
if not gen then return redis.error_reply('ANALYTICS_NO_GENERATION') end
local ns = ARGV[1] .. gen .. ':'
local top = redis.call('ZREVRANGE', ns .. ARGV[2], 0, tonumber(ARGV[3]) - 1, 'WITHSCORES')
local rows = {}
for i = 1, #top, 2 do
  local info = redis.call('HMGET', ns .. ARGV[4] .. top[i], 'name', 'email')
  rows[#rows + 1] = top[i]
  rows[#rows + 1] = top[i + 1]
  rows[#rows + 1] = info[1] or ''
  rows[#rows + 1] = info[2] or ''
end
return { gen, rows }
`,
);

/** The pointers and whether the active generation's marker is there, read in one atomic step. */
export const healthScript = new LuaScript(
  'health',
  `
-- KEYS[1] active pointer, KEYS[2] building pointer; ARGV[1] '<prefix>:', ARGV[2] marker suffix
-- Returns { active or '', building or '', 1 if the active generation's marker exists else 0 }
local active, building = redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])
local intact = 0
if active then intact = redis.call('EXISTS', ARGV[1] .. active .. ':' .. ARGV[2]) end
return { active or '', building or '', intact }
`,
);

/**
 * Makes a finished rebuild the active generation in one step, so readers see either the old numbers or
 * the new ones. Refused when the rebuild no longer owns the building pointer.
 */
export const switchGenerationScript = new LuaScript(
  'switch-generation',
  `
-- KEYS[1] active pointer, KEYS[2] building pointer, KEYS[3] the new generation's marker
-- ARGV[1] the new generation, ARGV[2] switch time (ISO)
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return redis.error_reply('ANALYTICS_STALE_REBUILD') end
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return 1
`,
);

/** Extends a lock (and its companion key) only while the caller still holds it. */
export const refreshLockScript = new LuaScript(
  'refresh-lock',
  `
-- KEYS[1] lock, KEYS[2] status key living as long as the lock; ARGV[1] token, ARGV[2] lease in ms
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`,
);

/** Deletes keys only while the first still holds the expected value (release a lock, drop a pointer). */
export const compareAndDeleteScript = new LuaScript(
  'compare-and-delete',
  `
-- KEYS[1] the key to compare, KEYS[2..] deleted along with it; ARGV[1] the expected value
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', unpack(KEYS))
`,
);

export const allScripts = [
  applyEventsScript,
  readKpisScript,
  readLeaderboardScript,
  healthScript,
  switchGenerationScript,
  refreshLockScript,
  compareAndDeleteScript,
];
