"""The one Powertools Logger of the service (JSON lines; correlation id = the API request id).

Tracer and Metrics live with the resolver entry (``keysmith.http.resolver_entry``): the
verification functions log, but rely on Lambda's own active tracing.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="keysmith")
