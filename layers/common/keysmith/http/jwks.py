"""GET /.well-known/jwks.json: the public halves of the signing keys this deploy trusts for JWT
keys (the current one first, then the previous ones still listed), for a customer's service that
checks JWT keys offline. Public, cacheable for 5 minutes.

On the lean entry (``function_entry.entry``): no resolver, no pydantic. The public keys are fetched
(``kms:GetPublicKey``) once per container."""

from __future__ import annotations

from typing import Any

from keysmith import wiring
from keysmith.http.answers import json_result

CACHE_FOR_FIVE_MINUTES = {"Cache-Control": "public, max-age=300"}


def jwks(event: dict[str, Any], request_id: str) -> dict[str, Any]:
    return json_result(200, wiring.signing_keys().jwks(), request_id, CACHE_FOR_FIVE_MINUTES)
