"""Keysmith's shared layer. The folders are the layers; a module's folder says what it may import.

    settings.py   deploy settings, read once from the environment
    clock.py      time: now(), RFC 3339 text, sort stamps
    logger.py     the one Powertools Logger
    wiring.py     the one composition root: settings(), store(), verifier(), sessions(), now(),
                  signing_keys(), the domain's services (audit_trail() among them); replace(...)
                  for tests
    domain/       decisions, standard library only: problems, grammar, key_format, api_key (the
                  entity), status_machine (the one table), principals, policy, verifier,
                  verdicts (the verification codes and the checks that refuse a key),
                  restrictions (IP ranges, rate limits, credits and their counters), create,
                  query, lifecycle, key_changes (a PATCH checked and planned), idempotency,
                  jwt_key (the JWT key format and its checks),
                  audit (the event of a change), audit_trail (reading the events); ports (the
                  store Protocol and its errors), signing (the Signer and PublicKeys Protocols)
    store/        DynamoDB, the only botocore and expression syntax: client (guarded), items,
                  conditions, listing, cursors, keys (the KeyStore), transactions (audited writes),
                  limits (the one conditional write of a verification that counts and spends),
                  audit_events (event items)
    signing/      JWT keys' signing keys: keyring (current and previous), kms (AWS KMS),
                  local_key (a key file for make dev and tests), es256 (the only cryptography
                  importer, loaded when a JWT key is first minted or presented)
    auth/         bearer (parsing), credentials (credential -> principal), sessions (the only
                  PyJWT importer), trusted_backend (the internal API's IAM caller and its
                  Keysmith-Tenant / Keysmith-Act-As headers -> principal)
    http/         payload 2.0: request_guard, answers (the one exception -> problem mapping and
                  result shapes), views (JSON shapes), verify_body, routes, function_entry (verify,
                  authorizer, whoami), jwks (GET /.well-known/jwks.json), resolver_entry (the only
                  Powertools-resolver importer), route_docs (a route's OpenAPI details),
                  list_queries (shared query parameters), schemas/ (the only pydantic importer:
                  fields, key_requests, resources, audit_events)
    streams/      the table's stream in, never a request: audit_publisher (events to EventBridge,
                  TTL removals audited), event_bus (the EventBridge port); only the
                  publish_audit_events function imports it

The import rule: http | auth | streams -> wiring -> store | signing -> domain, never upwards; the
domain imports only the standard library (and settings, clock). The verify, authorizer and whoami
functions import no pydantic, PyJWT, resolver or boto3, and an opaque key's verification no
cryptography. import-linter (pyproject.toml) and a fresh-process test
(tests/packaging/test_hot_path_imports.py) hold it. This package imports nothing on its own.
"""
