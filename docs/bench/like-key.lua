-- createLike with a new client UUID and a new idempotency key (requestId)
-- per request, in the document the web page sends.
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
  local id = prefix .. counter
  return wrk.format(nil, nil, nil, '{"query":"mutation($input: CreateLikeInput!) { createLike(input: $input) { count } }","variables":{"input":{"uuid":"' .. id .. '","sessionId":5,"requestId":"' .. id .. '"}}}')
end
