"""The verification hot path imports only what it needs: the verify, authorizer, whoami and JWKS
handler modules, imported and initialised in a fresh process, bring no web framework, no pydantic,
no PyJWT/cryptography and not boto3 (botocore alone makes the DynamoDB client). An opaque key's
whole verification, through the authorizer's handler, still loads no cryptography; the first JWT
key presented does. A management function loads PyJWT and cryptography with the first session token
its process meets, not at its start."""

from __future__ import annotations

import pytest

from tests.support.fresh_process import run_probe

PROBE = r"""
import importlib.util, json, sys
for folder in sys.argv[1:]:
    path = f"functions/{folder}/app.py"
    spec = importlib.util.spec_from_file_location(f"probe_{folder}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.handler)
if sys.argv[1] in ("verify", "authorizer"):
    from keysmith import wiring
    wiring.verifier()  # initialise as the first invocation does: settings, client, store
print(json.dumps(sorted(sys.modules)))
"""

FORBIDDEN = (
    "pydantic",
    "pydantic_core",
    "aws_lambda_powertools.event_handler",
    "aws_xray_sdk",
    "jwt",
    "cryptography",
    "boto3",
    "s3transfer",
    "keysmith.http.schemas",
    "keysmith.http.resolver_entry",
    "keysmith.auth.sessions",
)


def loaded_modules(*folders: str) -> set[str]:
    return set(run_probe(PROBE, *folders, timeout=120))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


@pytest.mark.parametrize("folder", ["verify", "authorizer", "whoami", "jwks"])
def test_a_lean_handler_imports_no_framework_no_pydantic_no_jwt(folder: str) -> None:
    modules = loaded_modules(folder)
    assert "keysmith.domain.verifier" in modules
    assert heavy(modules) == []


def test_the_probe_would_see_them_on_a_management_function() -> None:
    modules = loaded_modules("get_key")
    assert {"pydantic", "aws_lambda_powertools.event_handler"} <= modules
    assert "jwt" not in modules  # PyJWT waits for the first session (below)


# A management function's process authenticates an API key (malformed: refused with no I/O), then a
# session token: PyJWT and cryptography load with the session, not before.
SESSION_LATER = r"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("probe_get_key", "functions/get_key/app.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from keysmith.auth.credentials import authenticate
from keysmith.domain.problems import Problem
seen = []
for credential in ("Bearer ks_not-a-key", "Bearer aaaa.bbbb.cccc"):
    try:
        authenticate(credential, "203.0.113.9", "probe")
    except Problem as problem:
        seen.append([problem.status, "jwt" in sys.modules, "cryptography" in sys.modules])
print(json.dumps(seen))
"""


def test_a_management_function_loads_pyjwt_with_its_first_session_only() -> None:
    after_key, after_session = run_probe(SESSION_LATER, timeout=120)
    assert after_key == [401, False, False]
    assert after_session == [401, True, True]


# An opaque key verified through the authorizer's handler on a store fake, then a JWT key of the
# same deploy (signed with a key file made in the probe's own temporary folder).
VERIFICATIONS = r"""
import importlib.util, json, sys, tempfile
from pathlib import Path
spec = importlib.util.spec_from_file_location("probe_authorizer", "functions/authorizer/app.py")
authorizer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(authorizer)
from keysmith import wiring
from keysmith.settings import Settings
from tests.support.fakes import MemoryStore, new_key

plaintext, record = new_key()
store = MemoryStore.holding(record)
key_file = Path(tempfile.mkdtemp()) / "signing-key.pem"
wiring.install(settings=Settings(table_name="keys", signing_key=f"file:{key_file}"), store=store)

def authorize(credential):
    event = {"headers": {"authorization": f"Bearer {credential}"}, "requestContext": {"http": {}}}
    return authorizer.handler(event, None)["isAuthorized"]

opaque_allowed = authorize(plaintext)
after_opaque = sorted(sys.modules)
from keysmith.domain.create import mint
from keysmith.domain.principals import SESSION, Principal
creator = Principal(kind=SESSION, tenant_id="acme", owner_type="user", owner_id="u_1")
jwt_record, token = mint(
    wiring.settings(), creator, wiring.now(), tenant_id="acme", owner_type="user", owner_id="u_1",
    name="probe", description=None, scopes=("read",), environment_id=None, metadata={},
    expires_at=None, key_format_name="jwt", signer=wiring.jwt_signer,
)
store.records[jwt_record.id] = jwt_record
jwt_allowed = authorize(token)
print(json.dumps({"opaque": [opaque_allowed, after_opaque], "jwt": [jwt_allowed, sorted(sys.modules)]}))
"""


def test_an_opaque_verification_never_loads_cryptography_and_a_jwt_key_does() -> None:
    seen = run_probe(VERIFICATIONS, timeout=120)
    opaque_allowed, after_opaque = seen["opaque"]
    jwt_allowed, after_jwt = seen["jwt"]
    assert opaque_allowed is True and jwt_allowed is True
    assert heavy(set(after_opaque)) == []
    jwt_modules = {
        "cryptography",
        "keysmith.signing.es256",
        "keysmith.signing.keyring",
        "keysmith.domain.jwt_key",
    }
    assert jwt_modules.isdisjoint(after_opaque)  # the opaque path pays nothing for JWT keys
    assert {"cryptography", "keysmith.signing.es256"} <= set(after_jwt)
