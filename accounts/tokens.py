"""What an access token's secret looks like and how it is kept (only its sha256)."""

import hashlib

TOKEN_PREFIX = "iw_"  # noqa: S105 - makes a leaked token easy to recognise (secret scanners, logs)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
