-- wrk script for bench/pages.py: cycle through the pages in IVP_PATHS (space separated)
-- as the signed-in user of IVP_COOKIE, and print the figures as one JSON line.
local paths = {}
for path in string.gmatch(os.getenv("IVP_PATHS") or "/", "[^ ]+") do
  table.insert(paths, path)
end
local cookie = os.getenv("IVP_COOKIE") or ""
local counter = 0

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], { ["Cookie"] = cookie })
end

done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "errors_status": %d, "errors_connect": %d, ' ..
    '"errors_read": %d, "errors_write": %d, "errors_timeout": %d, ' ..
    '"p50": %.2f, "p95": %.2f, "p99": %.2f}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
