"""The keys table's stream -> EventBridge: audit events published, TTL removals audited
(``keysmith.streams.audit_publisher``). Invoked by the stream's event source mapping only."""

from typing import Any

from keysmith import wiring
from keysmith.logger import logger
from keysmith.store.audit_events import AuditEvents
from keysmith.streams.audit_publisher import AuditPublisher
from keysmith.streams.event_bus import EventBus, default_bus


def publisher() -> AuditPublisher:
    store = wiring.store()
    log = AuditEvents(store.client, store.table, store.audit_retention_days)
    bus: EventBus = wiring.part("event_bus", default_bus)
    return AuditPublisher(bus, log, wiring.now, logger.warning)


@logger.inject_lambda_context(log_event=False, clear_state=True)
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    answer: dict[str, Any] = publisher().handle(event)
    return answer
