"""Cold start: wall (and CPU) time of a fresh Python 3.13 process that imports and initialises a
function's module, against the floor process ``import boto3; boto3.client("dynamodb")``.

"Initialises" is what the first invocation adds before it can do any work: every function builds
its verifier (settings, DynamoDB client, store; ``keysmith.wiring``). A management function loads
PyJWT and cryptography only when its process meets its first session token, so
``create_first_session`` also builds the session verifier: the cold start of a create whose
first caller signs in with a session (API-key and IAM callers never pay it).
Every process gets the function's environment from template.yaml and Lambda's own variables, so
Powertools behaves as it does in Lambda (no function loads a tracer: Lambda's active tracing traces them).
Each round runs the functions in a shuffled order with a floor process before the first and after
each one, after one discarded warm-up round; a function's ratio is the median over rounds of its
wall time against the mean of the two floor processes beside it (with the interquartile range).
"""

from __future__ import annotations

import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import Any

from local.template import REPO_ROOT, function_environment, functions, load_template

FLOOR = 'import boto3; boto3.client("dynamodb")'
TARGETS = {
    "authorizer": "AuthorizerFunction",
    "verify": "VerifyFunction",
    "create": "CreateKeyFunction",
    "list": "ListKeysFunction",
    "create_first_session": "CreateKeyFunction",
}
WITH_SESSION = {"create_first_session"}

CHILD = r"""
import importlib.util, sys
layer, code_dir, with_session = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
sys.path[0:0] = [code_dir, layer]
spec = importlib.util.spec_from_file_location("app", code_dir + "/app.py")
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
assert callable(module.handler)
from keysmith import wiring
wiring.verifier()
if with_session:
    from keysmith.auth.sessions import session_verifier
    session_verifier()
"""

# What Lambda sets in every execution environment (the parts libraries look at).
LAMBDA_ENVIRONMENT = {
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
}


def _base_environment() -> dict[str, str]:
    keep = ("PATH", "HOME", "TMPDIR", "JAVA_HOME")
    return {name: os.environ[name] for name in keep if name in os.environ}


def environments(template: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    specs = {spec.logical_id: spec for spec in functions(template)}
    result = {"floor": {**_base_environment(), **LAMBDA_ENVIRONMENT, "AWS_LAMBDA_FUNCTION_NAME": "floor"}}
    for name, logical_id in TARGETS.items():
        env = function_environment(template, specs[logical_id], {"TABLE_NAME": "keysmith-bench"})
        result[name] = {
            **_base_environment(),
            **env,
            **LAMBDA_ENVIRONMENT,
            "AWS_LAMBDA_FUNCTION_NAME": logical_id,
        }
    return result


def command(name: str, template: Mapping[str, Any]) -> list[str]:
    if name == "floor":
        return [sys.executable, "-c", FLOOR]
    spec = next(s for s in functions(template) if s.logical_id == TARGETS[name])
    layer = str(REPO_ROOT / "layers" / "common")
    with_session = "1" if name in WITH_SESSION else "0"
    return [sys.executable, "-c", CHILD, layer, str(REPO_ROOT / spec.code_uri), with_session]


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(cmd, env=env, cwd="/", capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed: {completed.stderr.decode(errors='replace')[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1000, cpu * 1000


def measure(runs: int = 11, seed: int = 7) -> dict[str, Any]:
    template = load_template()
    envs = environments(template)
    commands = {name: command(name, template) for name in ["floor", *TARGETS]}
    walls: dict[str, list[float]] = {name: [] for name in ["floor", *TARGETS]}
    cpus: dict[str, list[float]] = {name: [] for name in ["floor", *TARGETS]}
    # Each function's run is compared with the floor processes just before and just after it:
    # this shared machine speeds up and slows down within seconds, and a ratio of neighbours
    # sees the same spell on both sides.
    ratios: dict[str, list[float]] = {name: [] for name in TARGETS}
    cpu_ratios: dict[str, list[float]] = {name: [] for name in TARGETS}
    order = random.Random(seed)
    for round_number in range(runs + 1):
        shuffled = list(TARGETS)
        order.shuffle(shuffled)
        before = _run(commands["floor"], envs["floor"])
        for name in shuffled:
            wall, cpu = _run(commands[name], envs[name])
            after = _run(commands["floor"], envs["floor"])
            if round_number:  # round 0 warms the page cache and the .pyc files
                walls[name].append(wall)
                cpus[name].append(cpu)
                walls["floor"].append(after[0])
                cpus["floor"].append(after[1])
                ratios[name].append(wall / ((before[0] + after[0]) / 2))
                cpu_ratios[name].append(cpu / ((before[1] + after[1]) / 2))
            before = after
    result: dict[str, Any] = {"runs": runs, "statistic": "median of ratios to the neighbouring floors"}
    result["floor_ms"] = round(statistics.median(walls["floor"]), 1)
    result["floor_cpu_ms"] = round(statistics.median(cpus["floor"]), 1)
    for name in TARGETS:
        result[f"{name}_ms"] = round(statistics.median(walls[name]), 1)
        result[f"{name}_ratio"] = round(statistics.median(ratios[name]), 3)
        quartiles = statistics.quantiles(ratios[name], n=4)
        result[f"{name}_ratio_iqr"] = [round(quartiles[0], 3), round(quartiles[2], 3)]
        result[f"{name}_cpu_ms"] = round(statistics.median(cpus[name]), 1)
        result[f"{name}_cpu_ratio"] = round(statistics.median(cpu_ratios[name]), 3)
    result["samples_ms"] = {name: [round(w, 1) for w in values] for name, values in walls.items()}
    return result


# --- the same cold starts counted in CPU instructions (valgrind's callgrind) ----------------------
# Wall time on this shared machine moves by a tenth within seconds, even between neighbouring
# processes; the number of instructions a cold start executes does not (a fixed hash seed makes it
# the same to within a few in a million), so it judges a change of a few milliseconds.
COUNTED = ("authorizer", "create", "list", "create_first_session")
VALGRIND = "valgrind"


def instructions() -> dict[str, Any]:
    """Instructions executed by one fresh process of the floor and of each of ``COUNTED`` (after a
    run that writes the .pyc files), and their ratios; an ``error`` when valgrind is missing."""
    if shutil.which(VALGRIND) is None:
        return {"error": "valgrind is not installed (apt-get install valgrind)"}
    template = load_template()
    envs = environments(template)
    counts: dict[str, int] = {}
    for name in ("floor", *COUNTED):
        cmd = command(name, template)
        env = {**envs[name], "PYTHONHASHSEED": "0"}
        subprocess.run(cmd, env=env, cwd="/", capture_output=True, check=True)
        counted = subprocess.run(
            [VALGRIND, "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
            env=env,
            cwd="/",
            capture_output=True,
            text=True,
            check=True,
        )
        found = re.search(r"Collected : (\d+)", counted.stderr)
        if found is None:
            raise RuntimeError(f"no instruction count from valgrind for {name}: {counted.stderr[-500:]}")
        counts[name] = int(found.group(1))
    result: dict[str, Any] = {"floor": counts["floor"]}
    for name in COUNTED:
        result[name] = counts[name]
        result[f"{name}_ratio"] = round(counts[name] / counts["floor"], 3)
    return result
