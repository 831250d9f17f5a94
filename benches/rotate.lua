-- The part of the wrk scripts that benches/http-load.sh and benches/scale.sh share; they write
-- this file followed by their own part (rotating_lua in benches/lib.sh), which sets
--   STRIDE       offset between the start positions of two wrk threads
--   RPS_FORMAT   printf format of requests/s in the RESULT line
--   make_paths(args)  the request paths, from the arguments after `--` on wrk's command line
-- Each wrk thread cycles through the paths from a different start, so connections do not all
-- ask the same query at the same moment. done() prints exact percentiles of wrk's own
-- histogram (rather than --latency's rounded table) as one RESULT line of key=value pairs.
local paths = {}
local counter = 0
local thread_no = 0
local function encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
function setup(thread) thread:set("offset", thread_no * STRIDE); thread_no = thread_no + 1 end
function init(args)
  paths = make_paths(args)
  counter = offset or 0
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT p50_ms=%.3f p99_ms=%.3f rps=" .. RPS_FORMAT .. " requests=%d non2xx=%d socket_errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), summary.requests,
    e.status, e.connect + e.read + e.write + e.timeout))
end
