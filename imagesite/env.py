"""Read settings from the environment; a bad value fails loudly, naming the variable."""

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def with_database(uri: str, database: str, *, defaults: dict[str, str] | None = None) -> str:
    """The same MongoDB URI pointing at another database (for Celery's broker and results),
    with the query options in defaults added where the URI does not set them."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query)
    given = {key.lower() for key, _ in query}
    query += [(key, value) for key, value in (defaults or {}).items() if key.lower() not in given]
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", urlencode(query), ""))


def env_file_load(path: Path) -> None:
    """Read KEY=VALUE lines from path, if it exists, into os.environ without overriding a
    variable already set; blank lines and lines starting with # are skipped, `export ` and one
    pair of surrounding quotes are allowed."""
    if not path.is_file():
        return
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.isidentifier():
            raise ImproperlyConfigured(f"{path}, line {number}: expected KEY=VALUE, not {raw!r}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        os.environ.setdefault(key, value)
