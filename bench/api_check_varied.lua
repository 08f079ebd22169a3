-- wrk script: POST /v1/suppressions/check with 1,000 addresses per call, a different 1,000 on
-- every call (VARIED bodies in rotation, default 200 = 200,000 addresses: far more pages than
-- the API connection's page cache holds), as a bulk mailer checking successive batches of a
-- list would. bench/api_check.lua repeats one body, whose pages stay cached.
-- SPAN (default 1.5): addresses are drawn from user0 .. user(COUNT*SPAN-1), of which the
-- first COUNT are suppressed, so 1/SPAN of the addresses match (1.5: two in three, the worst
-- case the bench has always used; 50: one in fifty, a typical list).
local token = os.getenv("TOKEN")
local count = tonumber(os.getenv("COUNT") or "1000000")
local varied = tonumber(os.getenv("VARIED") or "200")
local span = tonumber(os.getenv("SPAN") or "1.5")
local bodies = {}
for b = 0, varied - 1 do
  local parts = {}
  for i = 1, 1000 do
    local n = ((b * 1000 + i) * 104729) % math.floor(count * span)
    parts[#parts + 1] = '"user' .. n .. '@bench.example"'
  end
  bodies[b + 1] = '{"addresses":[' .. table.concat(parts, ",") .. ']}'
end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/v1/suppressions/check",
                    {["Authorization"] = token, ["Content-Type"] = "application/json"},
                    bodies[(counter % varied) + 1])
end
