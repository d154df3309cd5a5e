"""Logger, Tracer and Metrics: one instance each for the whole service.

Tracer is imported only by the management functions; the verification hot path (authorizer,
verify) uses ``keysmith.logs`` alone and relies on Lambda's own active tracing.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Metrics, Tracer

from keysmith.logs import logger

tracer = Tracer(service="keysmith")
metrics = Metrics(namespace="Keysmith", service="keysmith")

# A refused request records no business metric; that is expected, not worth a warning per request.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

__all__ = ["logger", "metrics", "tracer"]
