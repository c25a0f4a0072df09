-- wrk script: durable PUT /api/v1/leaderboards/{board}/scores/{participant} {"score": N}.
-- A share of the requests (PODIUM_LOAD_NEW_RATIO, default 0.2) goes to participants that did
-- not exist yet (ids after the seeded ones, unique per thread and run); the rest to seeded
-- participants drawn uniformly at random. Scores are random, so on a "best" board some writes
-- improve the kept score and some only count a submission: both are committed rows.
-- Environment: PODIUM_LOAD_BOARD, PODIUM_LOAD_ENTRIES, PODIUM_LOAD_NEW_RATIO,
-- PODIUM_LOAD_NEW_BASE (first id for new participants), PODIUM_LOAD_TOKEN, PODIUM_LOAD_SEED.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local prefix = "/api/v1/leaderboards/" .. common.board .. "/scores/"
local new_ratio = common.env_number("PODIUM_LOAD_NEW_RATIO", 0.2)
local new_base = common.env_number("PODIUM_LOAD_NEW_BASE", common.entries + 1)
local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
if common.token ~= "" then
  headers["Authorization"] = "Bearer " .. common.token
end

-- Each thread owns the new ids new_base + thread_id - 1 + k * stride (up to 1000 threads).
local stride = 1000
local next_new = 0
new_requests = 0

function setup(thread)
  common.setup(thread)
end

function init(_)
  common.seed_random(thread_id)
  next_new = new_base + thread_id - 1
end

function request()
  local n
  if math.random() < new_ratio then
    n = next_new
    next_new = next_new + stride
    new_requests = new_requests + 1
  else
    n = math.random(1, common.entries)
  end
  local body = string.format('{"score":%d}', math.random(0, 999999999))
  return wrk.format("PUT", prefix .. common.participant(n), headers, body)
end

done = common.make_done("write", function(threads)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + (t:get("new_requests") or 0)
  end
  return { new_participant_requests = total }
end)
