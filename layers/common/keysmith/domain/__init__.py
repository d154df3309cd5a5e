"""The decisions: standard library only, no I/O. Collaborators (the store, through ``ports``; the
settings; a ``now()`` callable) are passed in by ``keysmith.wiring``."""
