"""Who is calling: Bearer parsing, credential -> principal, and sessions (the only PyJWT importer)."""
