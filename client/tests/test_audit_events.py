"""``GET /v1/audit-events`` through the client (``list_audit_events``, ``audit_events``) and
``keysmith audit list``: filters, the cursor from page to page, output and usage errors."""

from __future__ import annotations

import pytest

from fake_keysmith import FakeKeysmith
from keysmith_client import AuditEvent, Keysmith, MalformedRequest
from test_cli import keysmith, logged_in


def audit_requests(fake: FakeKeysmith) -> list[dict[str, list[str]]]:
    return [request.query for request in fake.requests if request.path == "/v1/audit-events"]


def history(fake: FakeKeysmith) -> tuple[str, str]:
    """Two keys with five events between them: create a, create b, suspend a, activate a, update b."""
    client = Keysmith(fake.url, token="t")
    first, second = client.create_key("a"), client.create_key("b")
    client.suspend_key(first.id)
    client.activate_key(first.id)
    client.update_key(second.id, name="b2")
    return first.id, second.id


def test_audit_events_pages_through_the_cursor_with_the_filters_on_every_page(fake: FakeKeysmith) -> None:
    first, _ = history(fake)
    events = list(Keysmith(fake.url, token="t").audit_events(key_id=first, page_size=2))
    assert [event.action for event in events] == ["activate", "suspend", "create"]  # newest first
    assert all(isinstance(event, AuditEvent) and event.key_id == first for event in events)
    pages = audit_requests(fake)
    assert len(pages) == 2
    assert pages[0] == {"key_id": [first], "limit": ["2"]}
    assert pages[1]["key_id"] == [first] and pages[1]["limit"] == ["2"] and len(pages[1]["cursor"]) == 1


def test_list_audit_events_reads_one_page_and_its_event(fake: FakeKeysmith) -> None:
    _, second = history(fake)
    page = Keysmith(fake.url, token="t").list_audit_events(action="update")
    assert audit_requests(fake) == [{"action": ["update"]}]
    assert page.next_cursor is None and len(page.items) == 1
    event = page.items[0]
    assert (event.action, event.key_id, event.tenant_id) == ("update", second, "acme")
    assert event.changes["name"].before == "b" and event.changes["name"].after == "b2"
    assert str(event.actor) == "user:u_1" and event.source_ip == "127.0.0.1"
    assert event.occurred_at is not None and event.request_id


def test_a_refused_listing_is_the_apis_error(fake: FakeKeysmith) -> None:
    with pytest.raises(MalformedRequest) as raised:
        Keysmith(fake.url, token="t").list_audit_events(cursor="bm90LWEtY3Vyc29y")
    assert raised.value.errors[0]["pointer"] == "/cursor"


def test_audit_list_prints_a_table_and_the_next_cursor(fake: FakeKeysmith) -> None:
    logged_in(fake)
    _, second = history(fake)
    page = keysmith("audit", "list", "--limit", "2")
    lines = page.out.splitlines()
    assert page.code == 0 and lines[0].split() == ["OCCURRED", "AT", "ACTION", "KEY", "ACTOR", "SOURCE", "IP"]
    assert lines[1].split()[1:4] == ["update", second, "user:u_1"] and len(lines) == 3
    cursor = page.err.split("--cursor ")[1].split()[0]

    rest = keysmith("audit", "list", "--limit", "2", "--cursor", cursor, "--json")
    assert rest.code == 0 and audit_requests(fake)[-1] == {"limit": ["2"], "cursor": [cursor]}
    assert [item["action"] for item in rest.json()["items"]] == ["suspend", "create"]  # type: ignore[union-attr, index]
    assert isinstance(rest.json()["next_cursor"], str)


def test_audit_list_filters_and_follows_every_page_with_all(fake: FakeKeysmith) -> None:
    logged_in(fake)
    first, _ = history(fake)
    everything = keysmith("audit", "list", "--key", first, "--action", "activate", "--json")
    assert everything.code == 0 and audit_requests(fake)[-1] == {"key_id": [first], "action": ["activate"]}
    assert [(item["action"], item["key_id"]) for item in everything.json()["items"]] == [  # type: ignore[union-attr, index]
        ("activate", first)
    ]

    every_page = keysmith("audit", "list", "--limit", "1", "--all", "--json")
    assert len(every_page.json()["items"]) == 5 and every_page.json()["next_cursor"] is None  # type: ignore[arg-type]
    assert len(audit_requests(fake)) == 1 + 5

    nothing = keysmith("audit", "list", "--action", "delete")
    assert nothing.code == 0 and nothing.out.strip() == "No audit events." and nothing.err == ""


@pytest.mark.parametrize(
    "options",
    [["--action", "frobnicate"], ["--limit", "0"], ["--limit", "101"], ["--all", "--cursor", "abc"]],
)
def test_audit_list_usage_errors_exit_2_before_any_request(fake: FakeKeysmith, options: list[str]) -> None:
    logged_in(fake)
    run = keysmith("audit", "list", *options)
    assert run.code == 2 and audit_requests(fake) == []


def test_a_cursor_of_another_listing_exits_3_with_the_pointer(fake: FakeKeysmith) -> None:
    logged_in(fake)
    history(fake)
    cursor = keysmith("audit", "list", "--limit", "1").err.split("--cursor ")[1].split()[0]
    other = keysmith("audit", "list", "--limit", "1", "--action", "create", "--cursor", cursor)
    assert other.code == 3 and "400" in other.err and "/cursor" in other.err
