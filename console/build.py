"""Build the console: console/src -> functions/console/static, with content-hashed asset names.

    python console/build.py          # write the static files the console function serves
    python console/build.py --check  # exit 1 when the committed static files are not what src makes

Each script and stylesheet is named ``<name>.<first 12 hex of its SHA-256>.<ext>`` so it can be cached
for a year; index.html names them and is served ``no-cache``. The element's script carries the
name of its own stylesheet, so it is hashed after that name is written into it. No bundler is
needed: the console is plain custom elements and has no dependency.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "console" / "src"
STATIC = ROOT / "functions" / "console" / "static"
# Where the function serves the assets; absolute, so the page works at /console and /console/ alike
# (the API's own routes are at the root of its host too).
PUBLIC_PATH = "/console/"


def hashed_name(stem: str, suffix: str, content: bytes) -> str:
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:12]}{suffix}"


def build() -> dict[str, bytes]:
    """Every file of the static folder, by name."""
    files: dict[str, bytes] = {}

    def add(stem: str, suffix: str, content: bytes) -> str:
        name = hashed_name(stem, suffix, content)
        files[name] = content
        return name

    element_css = add("keysmith-tokens", ".css", (SOURCE / "keysmith-tokens.css").read_bytes())
    element_js = (SOURCE / "keysmith-tokens.js").read_bytes()
    assert b"__KEYSMITH_TOKENS_CSS__" in element_js
    element_js_name = add(
        "keysmith-tokens", ".js", element_js.replace(b"__KEYSMITH_TOKENS_CSS__", element_css.encode())
    )
    console_css = add("console", ".css", (SOURCE / "console.css").read_bytes())
    console_js = add("console", ".js", (SOURCE / "console.js").read_bytes())
    page = (SOURCE / "index.html").read_text(encoding="utf-8")
    for placeholder, name in (
        ("__CONSOLE_CSS__", console_css),
        ("__KEYSMITH_TOKENS_JS__", element_js_name),
        ("__CONSOLE_JS__", console_js),
    ):
        assert placeholder in page, placeholder
        page = page.replace(placeholder, PUBLIC_PATH + name)
    files["index.html"] = page.encode("utf-8")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python console/build.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare with the committed files")
    args = parser.parse_args(argv)
    wanted = build()
    present = {p.name: p.read_bytes() for p in STATIC.glob("*") if p.is_file()} if STATIC.is_dir() else {}
    if args.check:
        if present != wanted:
            stale = sorted(set(present) ^ set(wanted) | {n for n in wanted if present.get(n) != wanted[n]})
            print(f"functions/console/static is stale ({', '.join(stale)}): run python console/build.py")
            return 1
        return 0
    STATIC.mkdir(parents=True, exist_ok=True)
    for name in set(present) - set(wanted):
        (STATIC / name).unlink()
    for name, content in wanted.items():
        if present.get(name) != content:
            (STATIC / name).write_bytes(content)
    print(f"functions/console/static: {', '.join(sorted(wanted))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
