// Runs the 2018 web's requests with a real Apollo Client: version 2
// (apollo-client + apollo-cache-inmemory + apollo-link-http, what the 2018
// web shipped) or 3 (@apollo/client). Prints what the client returned as
// JSON; clients_test.go checks it against the conference's content.
//
// usage: node apollo.js 2|3 ENDPOINT_URL SESSION_ID UUID
"use strict";

const [version, url, sessionArg, uuid] = process.argv.slice(2);
if (!url || (version !== "2" && version !== "3")) {
  console.error("usage: node apollo.js 2|3 ENDPOINT_URL SESSION_ID UUID");
  process.exit(version === "-h" || version === "--help" ? 0 : 2);
}
const sessionId = Number(sessionArg);

let client, gql;
if (version === "2") {
  const { ApolloClient } = require("apollo-client");
  const { InMemoryCache } = require("apollo-cache-inmemory");
  const { HttpLink } = require("apollo-link-http");
  gql = require("graphql-tag");
  client = new ApolloClient({ link: new HttpLink({ uri: url, fetch }), cache: new InMemoryCache() });
} else {
  const apollo = require("@apollo/client/core");
  gql = apollo.gql;
  client = new apollo.ApolloClient({ link: new apollo.HttpLink({ uri: url, fetch }), cache: new apollo.InMemoryCache() });
}

// The queries are the 2018 web's: the timetable, one session's page, and
// a like (2018's CreateLikeInput had no count).
const timetable = gql`
  query Timetable {
    sessionList {
      pageInfo { hasNextPage endCursor }
      nodes {
        id sessionId type place title titleJa startTime endTime lang tags liked
        speakers { id speakerId name iconUrl }
      }
    }
  }
`;
const session = gql`
  query Session($sessionId: Int!) {
    session(sessionId: $sessionId) {
      id sessionId title outline liked
      speakers { id speakerId name company twitterId githubId }
      slides { id url } movies { id url }
    }
  }
`;
const createLike = gql`
  mutation CreateLike($input: CreateLikeInput!) {
    createLike(input: $input) { clientMutationId like { id session { id sessionId liked } } }
  }
`;

(async () => {
  const out = {};
  const t = await client.query({ query: timetable, fetchPolicy: "network-only" });
  out.timetable = t.data.sessionList;
  const s = await client.query({ query: session, variables: { sessionId }, fetchPolicy: "network-only" });
  out.session = s.data.session;
  const m = await client.mutate({
    mutation: createLike,
    variables: { input: { clientMutationId: "apollo-" + version, uuid, sessionId } },
  });
  out.createLike = m.data.createLike;
  // After the mutation, Apollo's normalized cache holds the new total for
  // the session (same id), as the 2018 like button relied on.
  const cached = client.readQuery({ query: session, variables: { sessionId } });
  out.cachedLiked = cached.session.liked;
  process.stdout.write(JSON.stringify(out) + "\n");
})().catch((err) => {
  console.error(String((err && err.stack) || err));
  if (err && err.networkError && err.networkError.result) console.error(JSON.stringify(err.networkError.result));
  if (err && err.graphQLErrors && err.graphQLErrors.length) console.error(JSON.stringify(err.graphQLErrors));
  process.exit(1);
});
