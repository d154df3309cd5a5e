"""The unzipped size of a built layer, and what takes it: each installed distribution (from its
dist-info RECORD) and the files no distribution claims (the layer's own package).

`make packaging` prints it for the layer `sam build` made (tests/packaging/test_packaging.py).
Any folder can be measured the same way, for example one made with `pip install --target`:

    .venv/bin/python -m tests.packaging.layer_size DIR [DIR ...]
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

UNCLAIMED = "(no distribution: the layer's own code)"


@dataclass(frozen=True)
class LayerSize:
    total_bytes: int
    bytes_by_owner: dict[str, int]  # distribution name (or UNCLAIMED) -> bytes of its files

    def report(self, label: str, top: int = 8) -> str:
        ranked = sorted(self.bytes_by_owner.items(), key=lambda item: (-item[1], item[0]))
        lines = [f"{label}: {_mb(self.total_bytes)} unzipped, {len(self.bytes_by_owner)} owners; largest:"]
        lines += [f"  {_mb(size):>9}  {owner}" for owner, size in ranked[:top]]
        return "\n".join(lines)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _files(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file() and not path.is_symlink()}


def measure(folder: Path) -> LayerSize:
    """Sizes of every file under ``folder`` (what Lambda unzips), grouped by owner."""
    files = _files(folder)
    owner_of: dict[Path, str] = {}
    for dist_info in folder.glob("*.dist-info"):
        name = importlib.metadata.PathDistribution(dist_info).metadata["Name"]
        record = dist_info / "RECORD"
        if record.exists():
            with record.open(newline="", encoding="utf-8") as handle:
                for row in csv.reader(handle):
                    if row:
                        owner_of[(folder / row[0]).resolve()] = name
        for path in dist_info.rglob("*"):  # the dist-info folder itself, whatever RECORD lists
            owner_of[path.resolve()] = name
    by_owner: dict[str, int] = {}
    for path in files:
        owner = owner_of.get(path.resolve(), UNCLAIMED)
        by_owner[owner] = by_owner.get(owner, 0) + path.stat().st_size
    return LayerSize(total_bytes=sum(by_owner.values()), bytes_by_owner=by_owner)


def main(argv: list[str] | None = None) -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for folder in args.folders:
        print(measure(folder).report(str(folder)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
