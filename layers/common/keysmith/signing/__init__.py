"""JWT-key signing keys: AWS KMS (``kms``) or a local ES256 key file (``local_key``) behind the
domain's ``Signer`` and ``PublicKeys`` (``keysmith.domain.signing``), gathered by ``keyring``.
``es256`` is the only importer of cryptography, and it is imported only when a JWT key is first
minted or presented."""
