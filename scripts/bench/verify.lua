-- wrk script: POST /api/v1/credentials/verify for random synthetic serials; 3 in 4 with
-- the right birth date (valid or revoked answers), 1 in 4 with a wrong one (not_found).
local count = tonumber(os.getenv("BENCH_COUNT") or "5000000")
math.randomseed(os.time())
request = function()
  local g = math.random(1, count)
  local day = 1 + g % 28
  if math.random(4) == 1 then day = 1 + (day % 28) end
  local body = string.format('{"serial":"SYN-%08d","birth_date":"2000-01-%02d"}', g, day)
  return wrk.format("POST", "/api/v1/credentials/verify",
    { ["Content-Type"] = "application/json" }, body)
end
