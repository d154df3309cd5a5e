"""The $default route: problem+json 404 for unknown paths and 405 (with Allow) for a known path
with another method, so API Gateway's bare {"message": "Not Found"} never reaches a client."""

from keysmith.http.routes import unmatched

handler = unmatched
