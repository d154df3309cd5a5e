"""The one Powertools Logger of the service (JSON lines; correlation id = the API request id).

Kept apart from ``keysmith.observability`` so that the verification hot path gets the logger
without Tracer and Metrics.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="keysmith")
