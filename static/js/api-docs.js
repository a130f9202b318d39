// The API documentation page: Swagger UI (from our own static files) reading /api/schema/.
// Started from this file rather than an inline script, which the Content-Security-Policy refuses.
(function () {
  "use strict";

  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }

  // Swagger UI's BaseLayout, less two things the page already has: its own <main> (a page has
  // one main landmark, the site's) and the title block (a second <h1>; the page's heading and
  // introduction say the same).
  function StillwaterLayoutPlugin(system) {
    var React = system.React;
    var h = React.createElement;

    function StillwaterLayout(props) {
      var specSelectors = props.specSelectors;
      var getComponent = props.getComponent;
      var Operations = getComponent("operations", true);
      var Models = getComponent("Models", true);
      var Errors = getComponent("errors", true);
      var ServersContainer = getComponent("ServersContainer", true);
      var AuthorizeBtnContainer = getComponent("AuthorizeBtnContainer", true);
      var SvgAssets = getComponent("SvgAssets");
      var status = specSelectors.loadingStatus();
      if (status === "loading" || !specSelectors.specStr()) {
        return h("div", { className: "swagger-ui" }, h("p", null, "Loading the list of calls…"));
      }
      if (status === "failed") {
        return h("div", { className: "swagger-ui" },
          h("p", null, "The list of calls could not be loaded. Reload the page to try again."),
          h(Errors, null));
      }
      var servers = specSelectors.servers();
      var hasServers = servers && servers.size;
      var hasSecurity = !!specSelectors.securityDefinitions();
      return h("div", { className: "swagger-ui" },
        h(SvgAssets, null),
        h(Errors, null),
        hasServers || hasSecurity
          ? h("div", { className: "scheme-container" },
              h("div", { className: "schemes wrapper" },
                hasServers ? h("div", { className: "schemes-server-container" }, h(ServersContainer, null)) : null,
                hasSecurity ? h(AuthorizeBtnContainer, null) : null))
          : null,
        h("div", { className: "wrapper" }, h(Operations, null)),
        h("div", { className: "wrapper" }, h(Models, null)));
    }

    return { components: { StillwaterLayout: StillwaterLayout } };
  }

  // Swagger UI's dialogs close with an icon button that has no name; a screen reader would say
  // only "button". Each one gets a name as it appears.
  new MutationObserver(function () {
    root.querySelectorAll("button.close-modal:not([aria-label])").forEach(function (button) {
      button.setAttribute("aria-label", "Close");
    });
  }).observe(root, { childList: true, subtree: true });

  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    // Swagger UI otherwise sends the schema to validator.swagger.io for a badge: no request
    // leaves this site.
    validatorUrl: null,
    deepLinking: false,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    // A token typed into "Authorize" stays in this tab's memory only.
    persistAuthorization: false,
    tryItOutEnabled: false,
    plugins: [StillwaterLayoutPlugin],
    layout: "StillwaterLayout"
  });
})();
