"""The README's secret-scanner expressions, one per key format, find real minted keys in text and
each finds only its own format."""

from __future__ import annotations

import re

from tests.helpers import ROOT
from tests.support.client import Client as Api


def scanner_expressions() -> dict[str, re.Pattern[str]]:
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| (opaque|jwt) \| `(.+)` \|$", readme, re.MULTILINE)
    assert {name for name, _ in rows} == {"opaque", "jwt"}, rows
    return {name: re.compile(expression) for name, expression in rows}


def test_each_expression_finds_its_format_in_text_and_only_it(api: Api) -> None:
    expressions = scanner_expressions()
    session = api.session("u_1", "acme")
    for _ in range(5):
        keys = {
            "opaque": api.created_key(session, "o", format="opaque")["key"],
            "jwt": api.created_key(session, "j", format="jwt", expires_in_seconds=600)["key"],
        }
        for name, key in keys.items():
            text = f'export API_TOKEN="{key}"\nAuthorization: Bearer {key},\n{{"token": "{key}"}}'
            assert [m.group(0) for m in expressions[name].finditer(text)] == [key] * 3, name
            other = next(n for n in keys if n != name)
            assert expressions[other].search(text) is None, (name, other)
    assert expressions["jwt"].search(api.session("u_1", "acme")) is None  # a session is no key
