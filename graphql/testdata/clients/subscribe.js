// Subscribes to likeAdded with a real WebSocket client library and prints
// one JSON line per thing that happens: {"ready":true} once the connection
// is acknowledged, {"event":{...}} per event, {"error":"..."} on an error,
// {"complete":true} when the server ends the subscription. It runs until
// its standard input closes.
//
// usage: node subscribe.js graphql-ws|subscriptions-transport-ws-0.9|subscriptions-transport-ws-0.11 WS_URL SESSION_ID with-total|without-total
"use strict";

const [lib, url, sessionArg, mode] = process.argv.slice(2);
const libs = ["graphql-ws", "subscriptions-transport-ws-0.9", "subscriptions-transport-ws-0.11"];
if (!libs.includes(lib) || !url || !["with-total", "without-total"].includes(mode)) {
  console.error("usage: node subscribe.js " + libs.join("|") + " WS_URL SESSION_ID with-total|without-total");
  process.exit(lib === "-h" || lib === "--help" ? 0 : 2);
}
const WebSocket = require("ws");
const fields = mode === "with-total" ? "sessionId likes total" : "sessionId likes";
const query = `subscription Likes($sessionId: Int!) { likeAdded(sessionId: $sessionId) { ${fields} } }`;
const variables = { sessionId: Number(sessionArg) };

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}
const sink = {
  next: (result) => {
    if (result.errors) emit({ error: JSON.stringify(result.errors) });
    else emit({ event: result.data.likeAdded });
  },
  error: (err) => emit({ error: String((err && err.message) || (err && err.reason) || JSON.stringify(err)) }),
  complete: () => emit({ complete: true }),
};

let close;
if (lib === "graphql-ws") {
  const { createClient } = require("graphql-ws");
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    on: { connected: () => emit({ ready: true }) },
  });
  client.subscribe({ query, variables }, sink);
  close = () => client.dispose();
} else {
  const { SubscriptionClient } = require(lib === "subscriptions-transport-ws-0.9" ? "subscriptions-transport-ws-0.9" : "subscriptions-transport-ws");
  const client = new SubscriptionClient(url, { reconnect: false }, WebSocket);
  client.onConnected(() => emit({ ready: true }));
  client.onError((err) => emit({ error: "connection: " + String((err && err.message) || err) }));
  client.request({ query, variables }).subscribe(sink);
  close = () => client.close();
}

process.stdin.resume();
process.stdin.on("end", () => {
  close();
  process.exit(0);
});
