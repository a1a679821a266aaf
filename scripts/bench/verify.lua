-- wrk script: POST /api/v1/credentials/verify for random synthetic serials.
-- BENCH_MODE=mixed (default): 3 in 4 with the right birth date (valid or revoked
-- answers), 1 in 4 with a wrong one; =wrong_dob: existing serials, wrong birth date;
-- =unknown: serials that do not exist. The last two must cost the same.
local count = tonumber(os.getenv("BENCH_COUNT") or "5000000")
local mode = os.getenv("BENCH_MODE") or "mixed"
math.randomseed(os.time())
request = function()
  local g = math.random(1, count)
  local day = 1 + g % 28
  local wrong = (mode == "wrong_dob") or (mode == "mixed" and math.random(4) == 1)
  if wrong then day = 1 + (day % 28) end
  if mode == "unknown" then g = g + count end
  local body = string.format('{"serial":"SYN-%08d","birth_date":"2000-01-%02d"}', g, day)
  return wrk.format("POST", "/api/v1/credentials/verify",
    { ["Content-Type"] = "application/json" }, body)
end
