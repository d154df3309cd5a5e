"""A metered verification as one conditional UpdateItem (``ports.Use``): it counts the use in the
key's current rate-limit window, spends its credits, records last-used and answers the key as it is
after the write (``ALL_NEW``), or, when the condition fails, as it was (``ALL_OLD``), from which the
verifier tells what refused it: a change to the key since it was read, the rate limit, or credits.

The counters' names come from ``keysmith.domain.restrictions``: a window or refill period that has
no counter yet starts at 0 used (or at the refill amount left) inside the same expression, so the
write is right whatever racers did before it. Each write carries a fresh ``use_token`` and its
condition refuses an item that already holds it: a retry by botocore of a write that was applied
but whose answer was lost fails, finds its own token, and is answered as the success it was, never
spent twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from botocore.exceptions import ClientError

from keysmith.domain.ports import Use, UseOutcome
from keysmith.store import items
from keysmith.store.client import error_code, guard
from keysmith.store.items import from_item, number


def use_request(table: str, use: Use, token: str) -> dict[str, Any]:
    """The UpdateItem parameters of ``use`` (without the ReturnValues options)."""
    record = use.record
    limits = record.limits
    names: dict[str, str] = {"#version": "version", "#hash": "key_hash", "#token": "use_token"}
    values: dict[str, Any] = {
        ":version": {"N": str(record.version)},
        ":hash": {"S": record.key_hash},
        ":token": {"S": token},
        ":now": number(use.now),
    }
    conditions = [
        "#version = :version",
        "#hash = :hash",
        "(attribute_not_exists(#token) OR #token <> :token)",
    ]
    sets = ["#token = :token", "last_used_at = :now"]
    removes: list[str] = []
    if limits.rate_limit is not None:
        names.update(
            {"#window": limits.rate_limit.counter(use.now), "#rate": "rate_limit", "#limit": "limit"}
        )
        values.update({":zero": {"N": "0"}, ":one": {"N": "1"}})
        conditions.append("(attribute_not_exists(#window) OR #window < #rate.#limit)")
        sets.append("#window = if_not_exists(#window, :zero) + :one")
    if limits.credits is not None:
        names.update(
            {"#left": limits.credits.counter(use.now), "#credits": "credits", "#amount": "refill_amount"}
        )
        values.update({":need": {"N": str(max(use.cost, 1))}, ":cost": {"N": str(use.cost)}})
        if limits.credits.refill_amount is None:  # no refill: the counter is always there
            del names["#credits"], names["#amount"]
            conditions.append("#left >= :need")
            sets.append("#left = #left - :cost")
        else:  # a period not yet written starts at the refill amount
            conditions.append(
                "((attribute_not_exists(#left) AND #credits.#amount >= :need) OR #left >= :need)"
            )
            sets.append("#left = if_not_exists(#left, #credits.#amount) - :cost")
    for name, value in (("last_used_ip", use.ip), ("last_used_user_agent", use.user_agent)):
        if value:
            values[f":{name}"] = {"S": value}
            sets.append(f"{name} = :{name}")
        else:
            removes.append(name)
    for i, stale in enumerate(limits.stale_counters(use.now)):
        names[f"#stale{i}"] = stale
        removes.append(f"#stale{i}")
    return {
        "TableName": table,
        "Key": {"id": {"S": record.id}},
        "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def use_key(client: Any, table: str, use: Use) -> UseOutcome:
    """One conditional UpdateItem; store faults raise ``StoreUnavailable`` (nothing was spent)."""
    token = uuid.uuid4().hex
    try:
        with guard():
            answer = client.update_item(
                **use_request(table, use, token),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
    except ClientError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        response: dict[str, Any] = dict(error.response)
        old: dict[str, Any] | None = response.get("Item")
        if old is None or not items.is_key_item(old):
            return UseOutcome(False, None)
        # Our own token: the write was applied and its answer lost; this is the key after it.
        return UseOutcome(old.get("use_token") == {"S": token}, from_item(old))
    return UseOutcome(True, from_item(answer["Attributes"]))
