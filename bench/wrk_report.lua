-- wrk's script for bench/lib.py. With WRK_BODY_BYTES set, each request is a POST of that many bytes.
local body_bytes = tonumber(os.getenv("WRK_BODY_BYTES") or "0")
if body_bytes > 0 then
  wrk.method = "POST"
  wrk.body = string.rep("x", body_bytes)
  wrk.headers["Content-Type"] = "application/octet-stream"
end

-- With WRK_STATUSES set, each thread counts its non-2xx answers by status in its global "statuses"
-- (a Lua call per response, which costs wrk CPU: only where the statuses are the point, as under
-- overload), and done() adds the threads' counts up.
statuses = {}
local threads = {}
setup = function(thread)
  threads[#threads + 1] = thread
end
if os.getenv("WRK_STATUSES") then
  response = function(status, headers, body)
    if status >= 300 then
      statuses[status] = (statuses[status] or 0) + 1
    end
  end
end

-- done(): one JSON line with what bench/lib.py reads.
done = function(summary, latency, requests)
  local e = summary.errors
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do
    parts[#parts + 1] = string.format('"%d": %d', status, count)
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p99_us": %d, "socket_errors": %d, "timeouts": %d, "non_2xx": {%s}}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write, e.timeout,
    table.concat(parts, ", ")))
end
