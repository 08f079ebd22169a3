-- wrk script: POST /v1/suppressions/check with 1,000 addresses per call.
local token = os.getenv("TOKEN")
local count = tonumber(os.getenv("COUNT") or "1000000")
local parts = {}
for i = 1, 1000 do
  parts[#parts + 1] = '"user' .. ((i * 104729) % math.floor(count * 3 / 2)) .. '@bench.example"'
end
local body = '{"addresses":[' .. table.concat(parts, ",") .. ']}'
request = function()
  return wrk.format("POST", "/v1/suppressions/check",
                    {["Authorization"] = token, ["Content-Type"] = "application/json"}, body)
end
