"""API Gateway (HTTP API, payload format 2.0) as the local server, ``make invoke``, the tests and
``make bench`` reproduce it: one emulation, with the routes read from template.yaml alone.

- ``messages``: HTTP requests and responses, and API Gateway's own bare answers.
- ``routes``: the template's HTTP APIs and routes, and route matching.
- ``events``: the payload 2.0 events (integration and Lambda authorizer).
- ``responses``: a function's result as an HTTP response.
- ``cors``: an API's CORS configuration applied.
- ``gateway``: ``Gateway``, which puts these together in front of the functions.
"""

from local.gateway.gateway import Gateway, Routed
from local.gateway.messages import HttpRequest, HttpResponse, gateway_error, new_request_id

__all__ = ["Gateway", "HttpRequest", "HttpResponse", "Routed", "gateway_error", "new_request_id"]
