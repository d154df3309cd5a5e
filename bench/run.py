"""`make bench`: one command, one run. Prints a table and writes bench-results.json (git-ignored)
with every figure beside its floor and the targets:

- cold_start: fresh-process wall time to import and initialise a function vs
  ``import boto3; boto3.client("dynamodb")`` (create_first_session: a create whose process also
  loads the session verifier), and the same counted in CPU instructions with valgrind for the
  authorizer, create and list, on which the targets are judged (authorizer <= 1.10x, create and
  list <= 1.60x): the count is the same every run, the wall ratios' quartiles span a tenth or more;
- warm_verify: CPU per warm authorizer verification, DynamoDB answered in-process, vs one raw
  get_item on the same answer plus one SHA-256 (target <= 1.25x);
- verify_latency: p50/p99 of the verify handler vs raw get_item against DynamoDB Local (p50 <= 1.3x);
- limited_verify_latency: the same for a key with a rate limit and credits vs one raw conditional
  update_item answering ALL_NEW (p50 <= 1.3x); limited_requests: requests per verification of such
  a key over 100 verifications, its first in the process included (target 1);
- ddb_requests: DynamoDB requests per operation, counted at the client (the request budget
  of docs/api-reference.md);
- jwt_keys: the same for a JWT-format key, beside the opaque figures: verify p50 against raw
  get_item (target <= 1.3x), warm CPU per authorizer call, and the cold cost of the first JWT
  verification in a process (bench.jwt_keys);
- memory: max RSS of the verification process vs the floor process;
- cost: what 1,000,000 verifications cost on AWS list prices through verify and through the
  authorizer, from the figures above (bench.cost), beside Clerk's published price.

DynamoDB Local is started here (in memory) and stopped by pid at the end; every child process is
waited for, so nothing is left running.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from bench import cold, cost

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS = REPO_ROOT / "bench-results.json"
TARGETS = {
    "cold_start.authorizer_ratio": 1.10,
    "cold_start.create_ratio": 1.60,
    "cold_start.list_ratio": 1.60,
    "warm_verify.ratio": 1.25,
    "verify_latency.p50_ratio": 1.30,
    "verify_latency_jwt.p50_ratio": 1.30,
    "limited_verify_latency.p50_ratio": 1.30,
    "limited_requests.per_verification": 1.0,
    **{f"cost.{path}_usd_per_million": target for path, target in cost.TARGETS.items()},
}


def _child_json(args: list[str], module: str = "bench.warm") -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "PYTHONPATH"))}
    env.update(
        {"PYTHONPATH": str(REPO_ROOT), "TABLE_NAME": "keysmith-bench", "AWS_DEFAULT_REGION": "us-east-1"}
    )
    env["POWERTOOLS_SERVICE_NAME"] = "keysmith"
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{module} {args} failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _dynamo(samples: int) -> dict[str, Any]:
    from bench import dynamo  # imports local.stack, which puts the layer on the path when it starts

    sink = io.StringIO()  # the functions' log and metric lines
    with contextlib.redirect_stdout(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dynamo.measure(samples)


def _jwt_keys(iterations: int, rounds: int, first_runs: int) -> dict[str, Any]:
    """Warm CPU per JWT verification and the first JWT verification's cost, each in fresh processes
    whose key file, JWT and stored item another process made (so none has loaded cryptography)."""
    with tempfile.TemporaryDirectory(prefix="keysmith-bench-jwt-") as folder:
        _child_json(["prepare", folder], "bench.jwt_keys")
        warm = _child_json(
            ["warm", folder, "--iterations", str(iterations), "--rounds", str(rounds)], "bench.jwt_keys"
        )
        firsts = [_child_json(["first", folder], "bench.jwt_keys") for _ in range(first_runs)]
    first_ms = statistics.median(f["first_ms"] for f in firsts)
    warm_ms = statistics.median(f["warm_ms"] for f in firsts)
    return {
        "warm": warm,
        "first": {
            "runs": first_runs,
            "first_ms": round(first_ms, 2),
            "warm_ms": round(warm_ms, 3),
            "extra_ms": round(first_ms - warm_ms, 2),
            "cryptography_loaded_before_first": any(f["cryptography_loaded_before"] for f in firsts),
        },
    }


def _met(value: float | None, target: float) -> bool:
    """Is ``value`` within ``target``? Not when it could not be measured (None)."""
    return value is not None and value <= target


def run(cold_runs: int, warm_iterations: int, warm_rounds: int, samples: int) -> dict[str, Any]:
    started = time.time()
    results: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "platform": platform.platform(),
        },
        "targets": TARGETS,
    }
    print("bench: cold start ...", file=sys.stderr, flush=True)
    results["cold_start"] = cold.measure(runs=cold_runs)
    print("bench: cold start in instructions (valgrind) ...", file=sys.stderr, flush=True)
    results["cold_start_instructions"] = cold.instructions()
    print("bench: warm verification ...", file=sys.stderr, flush=True)
    warm = _child_json(["--iterations", str(warm_iterations), "--rounds", str(warm_rounds)])
    floor_memory = _child_json(["--floor", "--iterations", str(warm_iterations)])
    results["warm_verify"] = {k: v for k, v in warm.items() if k != "verification_max_rss_mb"}
    results["memory"] = {
        "verification_max_rss_mb": warm["verification_max_rss_mb"],
        "floor_max_rss_mb": floor_memory["floor_max_rss_mb"],
        "ratio": round(warm["verification_max_rss_mb"] / floor_memory["floor_max_rss_mb"], 3),
    }
    print("bench: JWT-format keys, warm and first verification ...", file=sys.stderr, flush=True)
    results["jwt_keys"] = _jwt_keys(warm_iterations, warm_rounds, cold_runs)
    print("bench: DynamoDB Local latency and requests per operation ...", file=sys.stderr, flush=True)
    results.update(_dynamo(samples))
    try:
        results["cost"] = cost.estimate(results)
    except KeyError as missing:  # an operation the bench could not measure: no cost, said so
        results["cost"] = {"error": f"no measured {missing}"}
    met = {
        # Judged on the instruction counts: the wall-time ratios' quartiles on this shared machine
        # span a tenth or more on either side (both are printed).
        **{
            f"cold_start.{name}_ratio": _met(
                results["cold_start_instructions"].get(f"{name}_ratio"), TARGETS[f"cold_start.{name}_ratio"]
            )
            for name in cold.COUNTED
            if f"cold_start.{name}_ratio" in TARGETS
        },
        "warm_verify.ratio": _met(results["warm_verify"]["ratio"], 1.25),
        "verify_latency.p50_ratio": _met(results["verify_latency"]["p50_ratio"], 1.30),
        "verify_latency_jwt.p50_ratio": _met(results["verify_latency_jwt"]["p50_ratio"], 1.30),
        "limited_verify_latency.p50_ratio": _met(results["limited_verify_latency"]["p50_ratio"], 1.30),
        "ddb_requests": all(entry.get("met") for entry in results["ddb_requests"].values()),
        **{
            f"cost.{path}_usd_per_million": bool(results["cost"].get("met", {}).get(path))
            for path in cost.TARGETS
        },
    }
    results["met"] = met
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["seconds"] = round(time.time() - started, 1)
    return results


def _yes(flag: bool | None) -> str:
    return "-" if flag is None else ("yes" if flag else "NO")


Row = tuple[str, str, str, str, str, str, str, str]


def table(results: dict[str, Any]) -> str:
    rows: list[Row] = []
    c = results["cold_start"]
    for name in ("authorizer", "verify", "create", "list", "create_first_session"):
        rows.append(
            (
                "cold_start",
                f"{name}, wall",
                f"{c[f'{name}_ms']:.0f} ms",
                f"{c['floor_ms']:.0f} ms",
                f"{c[f'{name}_ratio']:.3f}",
                "",
                "-",
                f"quartiles {c[f'{name}_ratio_iqr'][0]:.2f}-{c[f'{name}_ratio_iqr'][1]:.2f};"
                f" CPU {c[f'{name}_cpu_ms']:.0f} vs {c['floor_cpu_ms']:.0f} ms: {c[f'{name}_cpu_ratio']:.3f}",
            )
        )
    counted = results["cold_start_instructions"]
    for name in cold.COUNTED:
        limit = TARGETS.get(f"cold_start.{name}_ratio")
        if "error" in counted:
            rows.append(("cold_start", f"{name}, instructions", "-", "-", "-", "", "-", counted["error"]))
            continue
        rows.append(
            (
                "cold_start",
                f"{name}, instructions",
                f"{counted[name] / 1e6:.0f} M",
                f"{counted['floor'] / 1e6:.0f} M",
                f"{counted[f'{name}_ratio']:.3f}",
                f"<= {limit:.2f}" if limit else "",
                _yes(counted[f"{name}_ratio"] <= limit) if limit else "-",
                "valgrind callgrind, one process each, PYTHONHASHSEED=0: the same count every run",
            )
        )
    w = results["warm_verify"]
    rows.append(
        (
            "warm_verify",
            "authorizer, CPU/call",
            f"{w['authorizer_us']:.0f} us",
            f"{w['floor_us']:.0f} us",
            f"{w['ratio']:.3f}",
            "<= 1.25",
            _yes(w["ratio"] <= 1.25),
            "floor: get_item on the same canned answer + SHA-256",
        )
    )
    rows.append(
        (
            "warm_verify",
            "verify handler, CPU/call",
            f"{w['verify_handler_us']:.0f} us",
            f"{w['floor_us']:.0f} us",
            f"{w['verify_handler_ratio']:.3f}",
            "",
            "-",
            "adds JSON body parsing and the answer",
        )
    )
    for section, floor in (("verify_latency", "raw get_item"), ("limited_verify_latency", "raw update_item")):
        v = results[section]
        for q, target in (("p50", "<= 1.30"), ("p99", "")):
            ratio = v[f"{q}_ratio"]
            rows.append(
                (
                    section,
                    f"{q} of {v['samples']}",
                    f"{v[f'verify_{q}_ms']:.2f} ms",
                    f"{v[f'{v["floor"]}_{q}_ms']:.2f} ms",
                    f"{ratio:.3f}",
                    target,
                    _yes(ratio <= 1.30) if target else "-",
                    f"verify handler vs {floor}, DynamoDB Local",
                )
            )
    r = results["limited_requests"]
    rows.append(
        (
            "limited_requests",
            f"per verification, {r['verifications']} in a row",
            f"{r['per_verification']:.3f}",
            "",
            "",
            "1",
            "-",
            f"{r['requests']} requests: {r['operations']} (the first verification in a process reads first)",
        )
    )
    j = results["verify_latency_jwt"]
    rows.append(
        (
            "jwt_keys",
            f"verify p50 of {j['samples']}",
            f"{j['verify_p50_ms']:.2f} ms",
            f"{j['get_item_p50_ms']:.2f} ms",
            f"{j['p50_ratio']:.3f}",
            "<= 1.30",
            _yes(j["p50_ratio"] <= 1.30),
            f"JWT key: verify handler vs raw get_item; p99 {j['verify_p99_ms']:.2f}"
            f" vs {j['get_item_p99_ms']:.2f} ms",
        )
    )
    jw = results["jwt_keys"]["warm"]
    rows.append(
        (
            "jwt_keys",
            "authorizer, CPU/call",
            f"{jw['jwt_us']:.0f} us",
            f"{jw['floor_us']:.0f} us",
            f"{jw['jwt_ratio']:.3f}",
            "",
            "-",
            f"JWT key; the opaque key in the same process: {jw['opaque_us']:.0f} us"
            f" (+{jw['jwt_extra_us']:.0f} us)",
        )
    )
    jf = results["jwt_keys"]["first"]
    rows.append(
        (
            "jwt_keys",
            "first JWT in a process",
            f"{jf['first_ms']:.1f} ms",
            f"{jf['warm_ms']:.2f} ms",
            f"+{jf['extra_ms']:.1f} ms",
            "",
            "-",
            f"median of {jf['runs']} fresh processes, after an opaque verification; "
            f"cryptography loaded before: {'yes' if jf['cryptography_loaded_before_first'] else 'no'}",
        )
    )
    m = results["memory"]
    rows.append(
        (
            "memory",
            "max RSS",
            f"{m['verification_max_rss_mb']:.1f} MB",
            f"{m['floor_max_rss_mb']:.1f} MB",
            f"{m['ratio']:.3f}",
            "",
            "-",
            "the warm verification process vs the floor process",
        )
    )
    for name, entry in results["ddb_requests"].items():
        if "requests" not in entry:
            rows.append(("ddb_requests", name, "-", "", "", "", "NO", entry.get("error", "")))
            continue
        note = " + ".join(entry["operations"]) or "none"
        if name in ("verify", "verify_limited"):
            note += f" (first use in this process/window: {' + '.join(entry['first_in_window'])})"
        if entry.get("error"):
            note += f"; {entry['error']}"
        rows.append(
            (
                "ddb_requests",
                name,
                str(entry["requests"]),
                "",
                "",
                f"<= {entry['budget']}",
                _yes(entry["met"]),
                note,
            )
        )
    header: Row = ("section", "measure", "value", "floor", "ratio", "target", "met", "notes")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    machine = results["machine"]
    load = f"load {machine['load_average_at_start'][0]} -> {machine['load_average_at_end'][0]}"
    lines.insert(
        0,
        f"Keysmith bench: Python {machine['python']}, {machine['cpus']} CPUs, {load}, {results['seconds']} s;"
        " medians, ratios against each floor\n",
    )
    ddb = results.get("dynamodb_local", {})
    if ddb:
        state = "still running!" if ddb["still_running"] else "stopped"
        lines.append(f"\nDynamoDB Local (pid {ddb['pid']}): {state}")
    missed = [name for name, ok in results["met"].items() if not ok]
    lines.append("\n" + ("every target met" if not missed else f"targets NOT met: {', '.join(missed)}"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cold-runs", type=int, default=int(os.environ.get("BENCH_COLD_RUNS", "11")))
    parser.add_argument("--warm-iterations", type=int, default=2000)
    parser.add_argument("--warm-rounds", type=int, default=7)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results = run(args.cold_runs, args.warm_iterations, args.warm_rounds, args.samples)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print("\n" + (cost.table(results["cost"]) if "paths" in results["cost"] else f"cost: {results['cost']}"))
    shown = args.output.relative_to(REPO_ROOT) if args.output.is_relative_to(REPO_ROOT) else args.output
    print(f"\nwrote {shown}")
    return 0  # a missed target is in the table and the JSON; measuring itself succeeded


if __name__ == "__main__":
    raise SystemExit(main())
