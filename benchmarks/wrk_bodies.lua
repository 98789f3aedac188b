-- wrk script for benchmarks/wrk.py: POSTs the JSON bodies of the file VOC_WRK_BODIES (one per
-- line) to VOC_WRK_PATH in turn. Every "@@ID@@" in a body becomes VOC_WRK_PREFIX-<request number>,
-- so no two requests share a message id. At the end, one JSON line on stdout: requests, seconds,
-- latency percentiles in ms, socket errors and the count of each HTTP status.
--
-- With VOC_WRK_RATE set (requests per second), the requests go out on a clock instead of as
-- fast as answers come back: request k is due at start + k / rate, and a free connection
-- waits until the next due time before sending it (an open loop, as long as a connection is
-- free when a request falls due). wrk times each request from the moment it was sent; how
-- late each was sent after its due time is reported too (lateness percentiles in ms and the
-- share sent more than 1 ms late), so that a run in which requests waited for a connection
-- shows it.

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

local rate = tonumber(os.getenv("VOC_WRK_RATE") or "")
lateness = {}

if rate then
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } voc_timespec;
    int clock_gettime(int clk_id, voc_timespec *tp);
  ]]
  local clock, CLOCK_MONOTONIC = ffi.new("voc_timespec"), 1
  local function now()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
    return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
  end
  local start, claimed = nil, 0

  -- wrk asks, just before sending each request, how many ms the connection should wait first:
  -- until the request's due time, or not at all when that has passed (then it goes out late)
  function delay()
    local t = now()
    start = start or t
    local due = start + claimed / rate
    claimed = claimed + 1
    lateness[#lateness + 1] = math.max(0, t - due) * 1000
    return math.max(0, math.floor((due - t) * 1000 + 0.5))
  end
end

-- With VOC_WRK_ACCEPTED set (a file path), the message id of every 2xx answer (the answer's
-- first field) is kept and written there at the end, one per line, to be read back later.
local accepted_file = os.getenv("VOC_WRK_ACCEPTED")
accepted = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if accepted_file and status >= 200 and status < 300 then
    accepted[#accepted + 1] = body:match('^{"id":"([^"]*)"') or ""
  end
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
  local late = {}
  for _, thread in ipairs(threads) do
    for _, ms in ipairs(thread:get("lateness")) do late[#late + 1] = ms end
  end
  table.sort(late)
  local function at(q) return #late > 0 and late[math.max(1, math.ceil(q * #late))] or 0 end
  local over = 0
  for _, ms in ipairs(late) do if ms > 1 then over = over + 1 end end
  if accepted_file then
    local out = assert(io.open(accepted_file, "w"))
    for _, thread in ipairs(threads) do
      for _, id in ipairs(thread:get("accepted")) do out:write(id, "\n") end
    end
    out:close()
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "socket_errors": %d, ' ..
    '"statuses": {%s}, "late_p50_ms": %.2f, "late_p99_ms": %.2f, "late_max_ms": %.2f, "late_over_1ms": %.4f}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors, table.concat(parts, ", "), at(0.5), at(0.99), at(1.0),
    #late > 0 and over / #late or 0))
end
