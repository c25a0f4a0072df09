-- wrk script for scripts/league-bench.sh: durable POST /api/v1/leagues/{slug}/matches of one
-- 1v1 match between two distinct participants drawn uniformly from PODIUM_BENCH_PARTICIPANTS
-- (ids p0 … p{N-1}; created by the server on first appearance), random winner.
-- played_at is the wall clock (microseconds, CLOCK_REALTIME via LuaJIT's ffi) when the request
-- is built, so matches arrive in played_at order except when two requests built microseconds
-- apart are committed in the other order; the script counts nothing about that, the database
-- does (see late_matches in the report).
-- Environment: PODIUM_BENCH_LEAGUE, PODIUM_BENCH_PARTICIPANTS, PODIUM_BENCH_TOKEN,
-- PODIUM_BENCH_SEED. The done() hook prints one PODIUM_WRK_JSON line with the run's figures.

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } podium_bench_timespec;
int clock_gettime(int clk_id, podium_bench_timespec *tp);
]])

local function env_number(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then
    return default
  end
  local n = tonumber(v)
  if n == nil then
    error(name .. " must be a number, got '" .. v .. "'")
  end
  return n
end

local league = os.getenv("PODIUM_BENCH_LEAGUE") or "bench-elo"
local participants = env_number("PODIUM_BENCH_PARTICIPANTS", 10000)
local token = os.getenv("PODIUM_BENCH_TOKEN") or ""
local path = "/api/v1/leagues/" .. league .. "/matches"
local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
if token ~= "" then
  headers["Authorization"] = "Bearer " .. token
end

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
  table.insert(threads, thread)
end

local ts = ffi.new("podium_bench_timespec")
local statuses = {}

function init(_)
  math.randomseed(env_number("PODIUM_BENCH_SEED", os.time()) * 1009 + thread_id * 7919)
  -- LuaJIT's first draws after seeding are poorly spread; discard a few.
  for _ = 1, 10 do
    math.random()
  end
end

local function now_rfc3339()
  ffi.C.clock_gettime(0, ts) -- CLOCK_REALTIME
  local sec = tonumber(ts.tv_sec)
  local usec = math.floor(tonumber(ts.tv_nsec) / 1000)
  return os.date("!%Y-%m-%dT%H:%M:%S", sec) .. string.format(".%06dZ", usec)
end

function request()
  local a = math.random(0, participants - 1)
  local b = math.random(0, participants - 2)
  if b >= a then
    b = b + 1
  end
  local ra, rb = 1, 2
  if math.random() < 0.5 then
    ra, rb = 2, 1
  end
  local body = string.format(
    '{"played_at":"%s","teams":[{"participants":["p%d"],"rank":%d},{"participants":["p%d"],"rank":%d}]}',
    now_rfc3339(), a, ra, b, rb)
  return wrk.format("POST", path, headers, body)
end

-- Counts responses by status per thread (read back in done()).
status_2xx = 0
status_other = 0
function response(status, _, _)
  if status >= 200 and status < 300 then
    status_2xx = status_2xx + 1
  else
    status_other = status_other + 1
  end
end

local PERCENTILES = { 50, 75, 90, 95, 99, 99.9, 99.99 }

function done(summary, latency, _)
  local seconds = summary.duration / 1e6
  local ok, other = 0, 0
  for _, t in ipairs(threads) do
    ok = ok + (t:get("status_2xx") or 0)
    other = other + (t:get("status_other") or 0)
  end
  local parts = {}
  for _, q in ipairs(PERCENTILES) do
    table.insert(parts, string.format('"p%g":%d', q, latency:percentile(q)))
  end
  local e = summary.errors
  io.write(string.format(
    'PODIUM_WRK_JSON {"duration_s":%.6f,"requests":%d,"requests_per_s":%.3f,"responses_2xx":%d,'
      .. '"responses_non_2xx":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"min":%d,"max":%d,"mean":%.3f,"stdev":%.3f,"percentiles":{%s}},"threads":%d}\n',
    seconds, summary.requests, summary.requests / seconds, ok, other,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.max, latency.mean, latency.stdev, table.concat(parts, ","), #threads))
end
