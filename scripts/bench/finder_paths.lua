-- wrk script: cycles through the request paths in the file named by PATHS_FILE
-- (one path per line), so one run mixes points, filters and queries.
local paths = {}
local n = 0

init = function(args)
  local f = assert(io.open(os.getenv("PATHS_FILE"), "r"))
  for line in f:lines() do
    if #line > 0 then table.insert(paths, line) end
  end
  f:close()
  n = math.random(#paths)
end

request = function()
  n = n % #paths + 1
  return wrk.format("GET", paths[n])
end

done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors(status) %d, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
