// GET /v1/docs: Swagger UI over this API's own OpenAPI document (GET /v1/openapi.json). Every URL is
// relative to the page, so the page works under any base path; nothing is fetched from another origin
// (no validator badge, no remote configuration from the query string).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: new URL("openapi.json", document.baseURI).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    queryConfigEnabled: false,
    tryItOutEnabled: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
