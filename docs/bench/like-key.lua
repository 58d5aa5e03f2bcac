-- createLike with a new client UUID and a new idempotency key (requestId)
-- per request, as the web page sends them.
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
  return wrk.format(nil, nil, nil, '{"query":"mutation($u: String!, $k: String) { createLike(input: {uuid: $u, sessionId: 5, requestId: $k}) { count } }","variables":{"u":"' .. id .. '","k":"' .. id .. '"}}')
end
