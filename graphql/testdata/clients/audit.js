// Runs graphql-http's serverAudits, the conformance suite of the GraphQL
// over HTTP spec, against one endpoint and prints each audit's result as a
// JSON line: {"id","name","status":"ok"|"warn"|"error","reason"}.
//
// usage: node audit.js ENDPOINT_URL
"use strict";

const url = process.argv[2];
if (!url || url === "-h" || url === "--help") {
  console.error("usage: node audit.js ENDPOINT_URL");
  process.exit(url ? 0 : 2);
}
const { serverAudits } = require("graphql-http");

(async () => {
  for (const audit of serverAudits({ url, fetchFn: fetch })) {
    let result;
    try {
      result = await audit.fn();
    } catch (err) {
      result = { status: "error", reason: "the audit threw: " + String((err && err.stack) || err) };
    }
    const line = { id: audit.id, name: audit.name, status: result.status };
    if (result.status !== "ok") {
      line.reason = result.reason;
      if (result.response) {
        line.response = { status: result.response.status, contentType: result.response.headers.get("content-type") };
        try {
          line.response.body = (await result.response.text()).slice(0, 500);
        } catch (_) {
          // The audit already read the body.
        }
      }
    }
    process.stdout.write(JSON.stringify(line) + "\n");
  }
})().catch((err) => {
  console.error(String((err && err.stack) || err));
  process.exit(1);
});
