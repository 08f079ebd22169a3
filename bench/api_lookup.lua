-- wrk script: GET /v1/suppressions/{address} over the seeded addresses (2/3 suppressed,
-- 1/3 of the lookups miss), with the bearer token from the TOKEN environment variable.
local token = os.getenv("TOKEN")
local count = tonumber(os.getenv("COUNT") or "1000000")
local counter = 0
request = function()
  counter = counter + 1
  local n = (counter * 7919) % math.floor(count * 3 / 2)
  local path = "/v1/suppressions/user" .. n .. "%40bench.example"
  return wrk.format("GET", path, {["Authorization"] = token})
end
