"""The shapes of ``GET /v1/audit-events``: an audit event, its page, and the ``action`` filter."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from keysmith.http.schemas.resources import Answer

AuditAction = Literal["create", "update", "suspend", "activate", "revoke", "rotate", "delete", "expire"]


class Actor(Answer):
    type: Literal["user", "service_account", "api_key", "iam", "system"] = Field(
        description="`api_key`: the key that made the call (`id` its key id); `iam`: a trusted "
        "backend, by its IAM ARN; `system`: Keysmith itself (`id` `dynamodb-ttl` for a TTL removal)."
    )
    id: str


class FieldChange(Answer):
    from_: Any = Field(alias="from", description="The value before the change (null: absent).")
    to: Any = Field(description="The value after the change (null: absent).")


class AuditEvent(Answer):
    id: str = Field(json_schema_extra={"format": "uuid"}, description="Unique; use it to de-duplicate.")
    occurred_at: str = Field(json_schema_extra={"format": "date-time"})
    action: AuditAction
    key_id: str = Field(json_schema_extra={"format": "uuid"})
    tenant_id: str
    actor: Actor
    source_ip: str | None
    user_agent: str | None
    request_id: str | None
    changes: dict[str, FieldChange] = Field(
        description="Each changed field of the key: its value before and after. Never a secret or a digest."
    )


class AuditEventList(Answer):
    items: list[AuditEvent]
    next_cursor: str | None
