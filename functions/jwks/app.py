"""GET /.well-known/jwks.json (public API): the JWKS a customer's service checks JWT keys against
offline. A KMS fault answers 503 with Retry-After."""

from keysmith.http.function_entry import entry
from keysmith.http.jwks import jwks

handler = entry(jwks)
