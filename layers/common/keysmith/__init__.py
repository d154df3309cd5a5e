"""Keysmith's shared layer: key format, verification core, store, domain rules and HTTP plumbing.

Import what you need from the submodules; this package imports nothing on its own so that the
verification hot path (``keysmith.verification``) stays free of pydantic and the web framework.
"""
