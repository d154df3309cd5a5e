"""The one Powertools Logger of the service (JSON lines; correlation id = the API request id).

Metrics live with the resolver entry (``keysmith.http.resolver_entry``). No function loads a
tracer: every one relies on Lambda's own active tracing (no X-Ray SDK in the layer).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="keysmith")
