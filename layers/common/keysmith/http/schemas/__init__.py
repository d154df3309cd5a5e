"""pydantic models of request bodies, query parameters and responses: the only package that imports
pydantic (management functions only; never on the verification path).

- ``fields``: the shared field rules and the OpenAPI extras
- ``key_requests``: the bodies of create, PATCH and rotate
- ``resources``: the response shapes (ApiKey, its list, problem details) and the listing's kinds
- ``audit_events``: the audit event, its list and the ``action`` filter

Each function imports the module it needs, so that a cold start loads no model it never uses (a
listing loads no request body's rules).
"""
