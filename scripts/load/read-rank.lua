-- wrk script: GET /api/v1/leaderboards/{board}/entries/{participant} for participants drawn
-- uniformly at random from the seeded ids player-0000001 … player-{entries}.
-- Environment: PODIUM_LOAD_BOARD, PODIUM_LOAD_ENTRIES, PODIUM_LOAD_SEED.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local prefix = "/api/v1/leaderboards/" .. common.board .. "/entries/"
local headers = { ["Accept"] = "application/json" }

function setup(thread)
  common.setup(thread)
end

function init(_)
  common.seed_random(thread_id)
end

function request()
  local path = prefix .. common.participant(math.random(1, common.entries))
  return wrk.format("GET", path, headers)
end

done = common.make_done("read")
