"""Who is calling: Bearer parsing, credential -> principal, sessions (the only PyJWT importer), and
trusted backends (the IAM caller of the internal API)."""
