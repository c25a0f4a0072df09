-- Shared by the wrk scripts of scripts/load-test.sh: settings from the environment, a
-- per-thread random generator, and a done() hook that prints the run's figures as one JSON
-- line (prefixed with PODIUM_WRK_JSON) so the report generator reads numbers, not text.

local M = {}

function M.env_number(name, default)
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

M.board = os.getenv("PODIUM_LOAD_BOARD") or "load"
M.entries = M.env_number("PODIUM_LOAD_ENTRIES", 1000000)
M.token = os.getenv("PODIUM_LOAD_TOKEN") or ""

-- Participant ids as the seeder writes them: player-0000001 … player-1000000.
function M.participant(n)
  return string.format("player-%07d", n)
end

-- Threads are numbered in setup() so each one seeds its generator differently.
local threads = {}
local counter = 0

function M.setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
  table.insert(threads, thread)
end

function M.seed_random(thread_id)
  local seed = M.env_number("PODIUM_LOAD_SEED", os.time())
  math.randomseed(seed * 1009 + thread_id * 7919)
  -- LuaJIT's first draws after seeding are poorly spread; discard a few.
  for _ = 1, 10 do
    math.random()
  end
end

local function json_string(s)
  return '"' .. tostring(s):gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function json_value(v)
  local t = type(v)
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then
      return "null"
    end
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then
      return string.format("%d", v)
    end
    return string.format("%.6f", v)
  elseif t == "string" then
    return json_string(v)
  elseif t == "boolean" then
    return tostring(v)
  elseif t == "table" then
    if #v > 0 then
      local parts = {}
      for i = 1, #v do
        parts[i] = json_value(v[i])
      end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do
      table.insert(keys, k)
    end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do
      table.insert(parts, json_string(k) .. ":" .. json_value(v[k]))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return "null"
end

-- Percentiles reported (latency in microseconds, as wrk measures it).
local PERCENTILES = { 50, 75, 90, 95, 99, 99.9, 99.99 }

-- `extra(threads)` may add script-specific counters gathered from the threads.
function M.make_done(kind, extra)
  return function(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local p = {}
    for _, q in ipairs(PERCENTILES) do
      p[string.format("p%g", q)] = latency:percentile(q)
    end
    local e = summary.errors
    local out = {
      kind = kind,
      duration_s = seconds,
      requests = summary.requests,
      bytes = summary.bytes,
      requests_per_s = summary.requests / seconds,
      errors = {
        connect = e.connect,
        read = e.read,
        write = e.write,
        status = e.status,
        timeout = e.timeout,
      },
      latency_us = {
        min = latency.min,
        max = latency.max,
        mean = latency.mean,
        stdev = latency.stdev,
        percentiles = p,
      },
      threads = #threads,
    }
    if extra then
      out.extra = extra(threads)
    end
    io.write("PODIUM_WRK_JSON ", json_value(out), "\n")
  end
end

return M
