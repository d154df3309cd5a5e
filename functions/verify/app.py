"""POST /v1/verify: the verdict on a key presented to the caller's own service (AWS IAM when
deployed). 200 for every well-formed request; last-used is recorded for VALID answers only.

No resolver and no pydantic on its import path (cold start is a product feature).
"""

from keysmith.http.function_entry import entry, verify

handler = entry(verify)
