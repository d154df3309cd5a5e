"""Local development tooling, never deployed: template.yaml's stack on this machine, without Docker.

The code map (each module holds one thing; the command lines are thin):

- ``cloudformation``: the template's YAML with its short tags, and intrinsic functions evaluated.
- ``template``: what the tools read from template.yaml: functions, HTTP APIs, environment, table.
- ``gateway/``: the one API Gateway emulation (routes, payload 2.0 events, the Lambda authorizer,
  CORS, results turned into HTTP), used by the server, ``make invoke``, the tests and the bench.
- ``lambda_runtime``: the functions imported once each, the layers on the path, a Lambda context.
- ``stack``: DynamoDB Local with the table, the functions' environment, the session signer.
- ``ddb``: the DynamoDB Local process; ``dynamo_calls``: counting the requests a client makes.
- ``sessions``: local session JWTs and their JWKS; ``dev_routes``: the server's ``/_local/`` routes.
- ``layer``: the one module that imports the keysmith layer (for ``dev_routes``).
- ``placeholders`` and ``invocation``: ``make invoke``'s event files filled in and invoked.
- ``terminal``: warnings and stop signals at the developer's terminal.
- ``server`` (``make dev``) and ``invoke`` (``make invoke``): the two command lines.
- ``openapi`` and ``openapi_docs``: the OpenAPI document, generated from the functions' routes.
"""
