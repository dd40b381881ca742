-- wrk script for bench/payments_callback.py: requests paced at a fixed total rate.
--
-- wrk -t T -c C -d D -s bench/payments_callback.lua URL -- RATE T [BODIES]
--   RATE    target requests per second over all threads (paced with delay(): each request
--           claims the thread's next slot on a fixed schedule; a late one is sent at once, so
--           the schedule catches up as long as the C connections suffice)
--   T       the thread count again (wrk does not tell scripts)
--   BODIES  optional file, one POST body per line; thread k sends lines k, k+T, k+2T, ... once
--           each, then repeats its last one (the bench sizes the file so that does not happen).
--           Without it every request is wrk's own (a GET of the URL).
-- done() prints one line: BENCH requests duration_us status_errors socket_errors p50 p90 p99
-- max (latencies in microseconds, from wrk's histogram; the pacing wait is not included).

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } radtik_bench_timespec;
int clock_gettime(int clk_id, radtik_bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local ts = ffi.new("radtik_bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_index", counter)
end

local interval_ms, next_at
local bodies, sent = nil, 0

function init(args)
  local rate = tonumber(args[1])
  local threads = tonumber(args[2])
  interval_ms = 1000 * threads / rate
  if args[3] then
    bodies = {}
    local line_no = 0
    for line in io.lines(args[3]) do
      if line_no % threads == thread_index - 1 then
        bodies[#bodies + 1] = line
      end
      line_no = line_no + 1
    end
  end
end

function delay()
  local now = now_ms()
  next_at = (next_at or now) + interval_ms
  local wait = next_at - now
  if wait < 0 then
    return 0
  end
  return wait
end

function request()
  if not bodies then
    return wrk.format()
  end
  sent = sent + 1
  local body = bodies[sent] or bodies[#bodies]
  return wrk.format("POST", nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH %d %d %d %d %.0f %.0f %.0f %.0f\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max
  ))
end
