"""template.yaml's two HTTP APIs as the local gateway reads them, by logical id."""

from __future__ import annotations

from local.gateway.routes import template_apis
from local.template import load_template

APIS = {api.logical_id: api for api in template_apis(load_template())}
PUBLIC, INTERNAL = APIS["HttpApi"], APIS["InternalApi"]
