-- createLike with a new client UUID per request, as at a conference where
-- every attendee taps a few times. Without an idempotency key, so that it
-- also runs against servers that predate requestId. The document is the
-- one the web page sends.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  prefix = "wrk-" .. tid .. "-" .. os.time() .. "-"
  counter = 0
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, '{"query":"mutation($input: CreateLikeInput!) { createLike(input: $input) { count } }","variables":{"input":{"uuid":"' .. prefix .. counter .. '","sessionId":5}}}')
end
