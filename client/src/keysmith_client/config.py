"""The CLI's saved local session: one JSON file, readable by its owner only.

It lives in ``$KEYSMITH_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/keysmith``, else ``~/.config/keysmith``,
as ``session.json`` (mode 0600, its folder 0700). It holds a short-lived development session from the
local server, never an API key.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SESSION_FILE = "session.json"


def config_dir() -> Path:
    explicit = os.environ.get("KEYSMITH_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "keysmith"


@dataclass(frozen=True)
class SavedSession:
    url: str
    token: str
    expires_at: str | None
    user_id: str
    tenant_id: str
    roles: list[str]


def session_path() -> Path:
    return config_dir() / SESSION_FILE


def save_session(session: SavedSession) -> Path:
    """Write the session file atomically, created 0600 (never readable by others, not even briefly)."""
    folder = config_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / SESSION_FILE
    temporary = folder / f".{SESSION_FILE}.{os.getpid()}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(asdict(session), handle, indent=2)
            handle.write("\n")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def load_session() -> SavedSession | None:
    path = session_path()
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise ValueError(
            f"{path} is not a readable session file ({error}); run keysmith login again"
        ) from error
    if not isinstance(data, dict) or not isinstance(data.get("token"), str):
        raise ValueError(f"{path} is not a session file; run keysmith login again")
    return SavedSession(
        url=str(data.get("url", "")),
        token=data["token"],
        expires_at=data.get("expires_at"),
        user_id=str(data.get("user_id", "")),
        tenant_id=str(data.get("tenant_id", "")),
        roles=[str(role) for role in data.get("roles") or []],
    )


def forget_session() -> bool:
    path = session_path()
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
