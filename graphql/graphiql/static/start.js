// Starts GraphiQL on the page that graphiql.go serves. It is a file of its
// own, not an inline script, so that the page's Content-Security-Policy can
// forbid inline scripts. The page names the API in data attributes.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  // GraphiQL's dialogs add a <style> element to lock the page's scroll; the
  // bundled library marks it with this nonce (webpack's convention), which
  // the page's Content-Security-Policy allows for this response only.
  window.__webpack_nonce__ = root.dataset.styleNonce;
  var endpoint = root.dataset.endpoint;
  var ws = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + endpoint;
  var fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: ws });
  var query = root.dataset.query;
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: query,
      // Each edition's playground keeps its own tabs and history.
      storage: GraphiQL.createLocalStorage ? GraphiQL.createLocalStorage({ namespace: "graphiql:" + endpoint }) : undefined,
    })
  );
})();
