"""What the suites share: the in-process client with its verbs (``client``), the typed fakes of the
store (``fakes``), the problem assertions (``problems``), the OpenAPI schema check (``schema``), the
in-process fixtures (``inprocess``) and the socket guard of the domain tests (``no_sockets``)."""
