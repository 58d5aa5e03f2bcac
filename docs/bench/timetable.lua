wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"query Timetable { sessionList { nodes { id sessionId type place title titleJa startTime endTime lang tags speakers { id speakerId name nameJa iconUrl } } } }"}'
