// Fetches the server's schema with graphql-js 16's full introspection query
// (every option a tool may turn on), builds it with buildClientSchema, and
// prints findBreakingChanges from the 2018 API (api2018.graphql) to it as
// JSON: {"types": N, "breaking": [...], "dangerous": [...]}.
//
// usage: node schema.js ENDPOINT_URL API2018_SDL_FILE
"use strict";

const [url, sdlFile] = process.argv.slice(2);
if (!url || !sdlFile) {
  console.error("usage: node schema.js ENDPOINT_URL API2018_SDL_FILE");
  process.exit(url === "-h" || url === "--help" ? 0 : 2);
}
const fs = require("fs");
const graphql = require("graphql-16");

(async () => {
  const query = graphql.getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  });
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/graphql-response+json, application/json" },
    body: JSON.stringify({ query, operationName: "IntrospectionQuery" }),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch (_) {
    throw new Error(`introspection: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (!body.data || body.errors) {
    throw new Error(`introspection: HTTP ${res.status}: ${JSON.stringify(body.errors)}`);
  }
  const served = graphql.buildClientSchema(body.data);
  const old = graphql.buildSchema(fs.readFileSync(sdlFile, "utf8"));
  const out = {
    types: Object.keys(served.getTypeMap()).length,
    breaking: graphql.findBreakingChanges(old, served),
    dangerous: graphql.findDangerousChanges(old, served),
  };
  process.stdout.write(JSON.stringify(out) + "\n");
})().catch((err) => {
  console.error(String((err && err.stack) || err));
  process.exit(1);
});
