"""Print the hardening suites' figures (``python -m tests.support.figures``), summed over the processes
that ran them: ``make test`` and ``make fuzz`` end with this table. ``--reset`` clears them first."""

from __future__ import annotations

import argparse
import json
import shutil
import sys

from tests.support.hardening import FIGURES_DIR

# Figures that must be zero: any other value fails the run.
MUST_BE_ZERO = ("5xx", "half_written", "lost", "changed", "leaks", "violations", "nonconforming", "wrong")


def collect() -> dict[str, dict[str, int]]:
    suites: dict[str, dict[str, int]] = {}
    for path in sorted(FIGURES_DIR.glob("*.json")):
        suite = path.stem.rsplit("-", 1)[0]
        counts = json.loads(path.read_text())
        total = suites.setdefault(suite, {})
        for name, value in counts.items():
            total[name] = total.get(name, 0) + int(value)
    return suites


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reset", action="store_true", help="forget earlier figures")
    args = parser.parse_args(argv)
    if args.reset:
        shutil.rmtree(FIGURES_DIR, ignore_errors=True)
        return 0
    suites = collect()
    if not suites:
        print("hardening figures: none recorded")
        return 0
    bad = []
    print("hardening figures")
    for suite, counts in sorted(suites.items()):
        print(f"  {suite}: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        bad += [f"{suite}.{k}={v}" for k, v in counts.items() if v and any(z in k for z in MUST_BE_ZERO)]
    failed = {entry.split(".", 1)[0] for entry in bad}
    if bad:
        print("NOT ZERO: " + ", ".join(bad), file=sys.stderr)
    # A closing line in the plain form CI reads: suites whose must-be-zero figures are all zero.
    print(f"hardening: {len(suites) - len(failed)} passed, {len(failed)} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
