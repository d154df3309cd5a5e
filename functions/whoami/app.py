"""GET /v1/whoami: the API key's principal as the Lambda authorizer passed it on
(``requestContext.authorizer.lambda``). No store access: the authorizer already verified the key."""

from keysmith.http.function_entry import entry, whoami

handler = entry(whoami)
