-- wrk script for benchmarks/wrk.py: POSTs the JSON bodies of the file VOC_WRK_BODIES (one per
-- line) to VOC_WRK_PATH in turn. Every "@@ID@@" in a body becomes VOC_WRK_PREFIX-<request number>,
-- so no two requests share a message id. At the end, one JSON line on stdout: requests, seconds,
-- latency percentiles in ms, socket errors and the count of each HTTP status.

local bodies, counter = {}, 0
local prefix = os.getenv("VOC_WRK_PREFIX") or "wrk"
statuses = {}

function init(args)
  for line in io.lines(os.getenv("VOC_WRK_BODIES")) do
    if #line > 0 then bodies[#bodies + 1] = line end
  end
  wrk.method = "POST"
  wrk.path = os.getenv("VOC_WRK_PATH")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local body = bodies[(counter - 1) % #bodies + 1]:gsub("@@ID@@", prefix .. "-" .. counter)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do counts[status] = (counts[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(counts) do parts[#parts + 1] = string.format('"%d": %d', status, n) end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors, table.concat(parts, ", ")))
end
