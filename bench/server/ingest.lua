-- wrk script: POST /v1/events with BATCH fresh events per request (unique ids
-- per thread and request, so every request really stores data).
local counter = 0
local thread_id = 0
local batch = tonumber(os.getenv("BATCH") or "100")
local token = os.getenv("TOKEN")

function setup(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/x-ndjson"
end

function request()
  counter = counter + 1
  local lines = {}
  for i = 1, batch do
    local n = counter * batch + i
    lines[i] = string.format(
      '{"id":"w%d_%d_%d","type":"message.posted","ts":%d,"platform":"telegram","community":"g%d","actor":"u%d","message_id":"w%d_%d_%d","text":"bench"}',
      tid, counter, i, 1767571200000 + (n % 5184000) * 1000, n % 4, (n * 7919) % 5000, tid, counter, i)
  end
  return wrk.format(nil, "/v1/events", nil, table.concat(lines, "\n") .. "\n")
end
