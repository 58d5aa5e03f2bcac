wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, '{"query":"mutation($u: String!) { createLike(input: {uuid: $u, sessionId: 5}) { count } }","variables":{"u":"wrk-' .. (counter % 5000) .. '"}}')
end
