"""A listing as one Query: the index partition, the filters as a FilterExpression (``expired``
derived from the clock), and the cursor checked against the listing it was issued for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from keysmith.domain.ports import Listing
from keysmith.domain.status_machine import ACTIVE, EXPIRED, REVOKED, STATUSES, SUSPENDED
from keysmith.store.client import guard
from keysmith.store.cursors import decode_cursor, encode_cursor
from keysmith.store.items import number

INDEXES = {"tenant": ("by_tenant", "tenant_id"), "owner": ("by_owner", "owner_key")}


# The cost of one list page (docs/api-reference.md, "List pages"): at most MAX_QUERIES_PER_PAGE
# queries; the first reads limit + 1 items, each next one QUERY_GROWTH times more, none more than
# MAX_ITEMS_PER_QUERY (DynamoDB also stops a query at 1 MB).
MAX_QUERIES_PER_PAGE = 4
QUERY_GROWTH = 4
MAX_ITEMS_PER_QUERY = 1000


def query_limits(limit: int) -> list[int]:
    """The ``Limit`` of each query a page may make: growing, bounded in number and in size."""
    return [min((limit + 1) * QUERY_GROWTH**i, MAX_ITEMS_PER_QUERY) for i in range(MAX_QUERIES_PER_PAGE)]


def filled_page(
    client: Any,
    request: Callable[[int, str | None], dict[str, Any]],
    limit: int,
    cursor: str | None,
    *,
    position: Callable[[dict[str, Any]], dict[str, Any]],
    binding: str,
) -> tuple[list[dict[str, Any]], str | None]:
    """The items of one page and the cursor after it (None at the end of the listing).

    A page holds ``limit`` items unless the listing is exhausted, whatever the filters: the Query
    ``request(asked, start)`` builds is asked for ``limit + 1`` matches (the extra one tells whether
    anything is left), and while a filter leaves it short it queries on, each query reading
    ``QUERY_GROWTH`` times more items, at most ``MAX_QUERIES_PER_PAGE`` queries (``query_limits``).
    Only when those read everything they may and still found too few is a page short with a cursor.
    ``position`` is an item's index position (as a LastEvaluatedKey); cursors carry ``binding``.
    """
    found: list[dict[str, Any]] = []
    start = cursor
    last: dict[str, Any] | None = None
    for asked in query_limits(limit):
        with guard():
            answer = client.query(**request(asked, start))
        found += answer.get("Items", [])
        last = answer.get("LastEvaluatedKey")
        if len(found) > limit or not last:
            break
        start = encode_cursor(last, binding)
    if len(found) > limit:
        found = found[:limit]
        last = position(found[-1])
    return found, encode_cursor(last, binding) if last else None


def index_query(
    table: str,
    index: str,
    partition: tuple[str, str],
    filters: list[tuple[str, dict[str, Any]]],
    limit: int,
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A Query of one index partition (``(attribute, value)``), newest first: ``filters`` are
    (clause, placeholder values) pairs of its FilterExpression, joined with AND."""
    values: dict[str, Any] = {":p": {"S": partition[1]}}
    clauses: list[str] = []
    for clause, clause_values in filters:
        clauses.append(clause)
        values.update(clause_values)
    request: dict[str, Any] = {
        "TableName": table,
        "IndexName": index,
        "KeyConditionExpression": "#p = :p",
        "ExpressionAttributeNames": {"#p": partition[0], **(names or {})},
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if clauses:
        request["FilterExpression"] = " AND ".join(clauses)
    return request


def listing_position(item: dict[str, Any], listing: Listing) -> dict[str, Any]:
    """The index position of ``item`` in ``listing``, as DynamoDB writes a LastEvaluatedKey."""
    _, part_name = INDEXES[listing.index]
    return {name: item[name] for name in ("id", "created_sk", part_name)}


def query_request(table: str, listing: Listing, limit: int, start: str | None) -> dict[str, Any]:
    """The Query parameters of one query of ``listing``, after ``start`` (a cursor, checked against
    the listing it was issued for)."""
    index, part_name = INDEXES[listing.index]
    filters: list[tuple[str, dict[str, Any]]] = []
    names: dict[str, str] = {}
    for attribute, placeholder, wanted in (
        ("environment_id", ":f_env", listing.environment_id),
        ("owner_type", ":f_otype", listing.owner_type),
        ("owner_id", ":f_oid", listing.owner_id),
    ):
        if wanted is not None:
            filters.append((f"{attribute} = {placeholder}", {placeholder: {"S": wanted}}))
    if listing.status is not None:
        clause, status_values = status_filter(listing.status, listing.now)
        filters.append((clause, status_values))
        names["#st"] = "status"
    request = index_query(table, index, (part_name, listing.partition), filters, limit, names)
    if start:
        request["ExclusiveStartKey"] = decode_cursor(start, part_name, listing.partition, listing.binding)
    return request


def status_filter(status: str, now: float) -> tuple[str, dict[str, dict[str, str]]]:
    """A listing's filter for a status, with ``expired`` derived from the clock (``#st``: status)."""
    current = {":f_now": number(now)}
    live = "(attribute_not_exists(expires_at) OR expires_at > :f_now)"
    if status in (ACTIVE, SUSPENDED):
        return f"#st = :f_status AND {live}", {":f_status": {"S": status}, **current}
    if status == REVOKED:
        return "#st = :f_status", {":f_status": {"S": REVOKED}}
    if status == EXPIRED:
        return "#st <> :f_revoked AND expires_at <= :f_now", {":f_revoked": {"S": REVOKED}, **current}
    raise ValueError(f"status must be one of {', '.join(STATUSES)}")
