"""A listing as one Query: the index partition, the filters as a FilterExpression (``expired``
derived from the clock), and the cursor checked against the listing it was issued for."""

from __future__ import annotations

from typing import Any

from keysmith.domain.ports import Listing
from keysmith.domain.status_machine import ACTIVE, EXPIRED, REVOKED, STATUSES, SUSPENDED
from keysmith.store.cursors import decode_cursor
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


def listing_position(item: dict[str, Any], listing: Listing) -> dict[str, Any]:
    """The index position of ``item`` in ``listing``, as DynamoDB writes a LastEvaluatedKey."""
    _, part_name = INDEXES[listing.index]
    return {name: item[name] for name in ("id", "created_sk", part_name)}


def query_request(table: str, listing: Listing, limit: int, start: str | None) -> dict[str, Any]:
    """The Query parameters of one query of ``listing``, after ``start`` (a cursor, checked against
    the listing it was issued for)."""
    index, part_name = INDEXES[listing.index]
    clauses: list[str] = []
    names: dict[str, str] = {"#p": part_name}
    values: dict[str, Any] = {":p": {"S": listing.partition}}
    if listing.environment_id is not None:
        clauses.append("environment_id = :f_env")
        values[":f_env"] = {"S": listing.environment_id}
    if listing.owner_type is not None:
        clauses.append("owner_type = :f_otype")
        values[":f_otype"] = {"S": listing.owner_type}
    if listing.owner_id is not None:
        clauses.append("owner_id = :f_oid")
        values[":f_oid"] = {"S": listing.owner_id}
    if listing.status is not None:
        clause, status_values = status_filter(listing.status, listing.now)
        clauses.append(clause)
        names["#st"] = "status"
        values.update(status_values)
    request: dict[str, Any] = {
        "TableName": table,
        "IndexName": index,
        "KeyConditionExpression": "#p = :p",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if clauses:
        request["FilterExpression"] = " AND ".join(clauses)
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
