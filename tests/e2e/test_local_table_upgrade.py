"""`make dev` keeps its DynamoDB Local table between runs: a table made by an older template gets
the indexes added since (here the audit events' index), so the local server serves every route."""

from __future__ import annotations

import uuid
from typing import Any

from local.ddb import ensure_table, make_client
from local.template import load_template, table_definition


def test_a_table_from_an_older_template_gets_the_new_index(ddb_local: str) -> None:
    client = make_client(ddb_local)
    template = load_template()
    older: dict[str, Any] = table_definition(template)
    older["GlobalSecondaryIndexes"] = [
        i for i in older["GlobalSecondaryIndexes"] if i["IndexName"] != "by_audit_tenant"
    ]
    older["AttributeDefinitions"] = [
        a for a in older["AttributeDefinitions"] if not a["AttributeName"].startswith("audit_")
    ]
    name = f"keys-{uuid.uuid4().hex[:12]}"
    client.create_table(TableName=name, **older)
    try:
        ensure_table(client, name, template)
        indexes = client.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
        assert {i["IndexName"] for i in indexes} == {"by_tenant", "by_owner", "by_audit_tenant"}
        answer = client.query(
            TableName=name,
            IndexName="by_audit_tenant",
            KeyConditionExpression="audit_tenant = :t",
            ExpressionAttributeValues={":t": {"S": "acme"}},
        )
        assert answer["Items"] == []
        ensure_table(client, name, template)  # and again: nothing left to add
    finally:
        client.delete_table(TableName=name)
