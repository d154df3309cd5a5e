"""What `sam build` makes is what Lambda can run.

One `sam build` per session (see conftest.py), then:

* every function, in a fresh `python3.13 -I -S -B` process whose sys.path is only the function's built
  folder, the layer and the runtime's boto3, imports its handler module and finds a callable handler;
* the layer holds the keysmith package and exactly the pinned distributions, built for arm64;
* every function's built folder holds its handler and nothing else (no tests, caches or stray files).
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sysconfig
from pathlib import Path

import pytest

from local.template import FunctionSpec, function_environment, functions, load_template
from tests.packaging.layer_size import UNCLAIMED, measure
from tests.packaging.sam import REPO, Build, base_python, host_can_load_built_extensions, native_distributions

pytestmark = pytest.mark.packaging

TEMPLATE = load_template(REPO / "template.yaml")
FUNCTIONS = functions(TEMPLATE)
# The docs page's files must all be there: Swagger UI's (copied from swagger-ui-dist by make) and its own.
DOCS_PAGE_FILES = {
    "page/index.html",
    "page/page.js",
    "page/page.css",
    "swagger-ui/swagger-ui-bundle.js",
    "swagger-ui/swagger-ui.css",
    "swagger-ui/LICENSE",
    "swagger-ui/NOTICE",
}
# Files a function may ship beside app.py, by logical id (data it reads at cold start).
ALLOWED_EXTRA_FILES: dict[str, set[str]] = {
    "OpenApiFunction": {"openapi.json", *DOCS_PAGE_FILES},
    # the console's source, which the function hashes and serves (no build output)
    "ConsoleFunction": {
        "static/index.html",
        "static/console.css",
        "static/console.js",
        "static/keysmith-tokens.css",
        "static/keysmith-tokens.js",
    },
}
EM_AARCH64 = 183  # ELF e_machine of 64-bit ARM
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024  # function code plus all its layers, unzipped

# Runs in the child: put the given folders first on sys.path (-I ignores PYTHONPATH, and -S keeps
# every site-packages folder, the project's virtual environment included, off the path), import the
# handler module, and say where every loaded module came from.
IMPORT_CHECK = r"""
import importlib, json, sys, time
paths, module_name, attribute = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
sys.path[0:0] = paths
started = time.perf_counter()
module = importlib.import_module(module_name)
seconds = time.perf_counter() - started
handler = getattr(module, attribute, None)
files = sorted({f for m in list(sys.modules.values()) if isinstance(f := getattr(m, "__file__", None), str)})
print(json.dumps({"callable": callable(handler), "file": module.__file__, "seconds": seconds,
                  "files": files, "modules": sorted(sys.modules)}))
"""


def _under(path: str, roots: list[Path]) -> bool:
    resolved = Path(path).resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in roots)


def _import_in_lambda_like_process(
    function: FunctionSpec, paths: list[Path], tmp_path: Path
) -> dict[str, object]:
    env = function_environment(TEMPLATE, function)
    env.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_LAMBDA_FUNCTION_NAME": function.logical_id,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "LAMBDA_TASK_ROOT": str(paths[0]),
            "POWERTOOLS_TRACE_DISABLED": "1",
            "HOME": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "TZ": "UTC",
        }
    )
    result = subprocess.run(
        [
            str(base_python()),
            "-I",
            "-S",
            "-B",  # /var/task is read-only in Lambda: no __pycache__ written into the build
            "-c",
            IMPORT_CHECK,
            json.dumps([str(p) for p in paths]),
            function.module,
            function.attribute,
        ],
        cwd=paths[0],  # Lambda's working directory is the function's code (/var/task)
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"{function.logical_id}: import failed\n{result.stderr[-6000:]}"
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


@pytest.mark.parametrize("function", FUNCTIONS, ids=[f.logical_id for f in FUNCTIONS])
def test_handler_imports_from_the_built_artifacts_alone(
    function: FunctionSpec,
    sam_build: Build,
    host_native_dir: Path | None,
    lambda_runtime_dir: Path,
    tmp_path: Path,
) -> None:
    """Lambda puts /var/task (the function's built folder), then /opt/python (the layer), then the
    runtime's own packages (boto3) on sys.path. This imports the handler with that path and nothing
    else, so a module that the function imports but the build did not package fails here.

    What it proves depends on the host (`uname -m`):
    * arm64 host: the built artifacts exactly as deployed import and expose a callable handler.
    * x86_64 host: the layer's compiled extensions are aarch64 and cannot load here, so the same pinned
      versions of only those distributions, built for this host, come first on the path (see the
      `host_native_dir` fixture). Every Python file still comes from the build: the function's app.py,
      keysmith and every pure-Python dependency as packaged. That the compiled parts are the right
      ones for Lambda is checked separately by `test_layer_extensions_are_built_for_arm64`.
    """
    function_dir = sam_build.function_dir(function.logical_id)
    paths = [function_dir]
    if host_native_dir is not None:
        paths.append(host_native_dir)
    paths += [sam_build.layer_python, lambda_runtime_dir]

    report = _import_in_lambda_like_process(function, paths, tmp_path)

    assert report["callable"], f"{function.logical_id}: {function.handler} is not callable"
    assert Path(str(report["file"])).resolve() == (function_dir / f"{function.module}.py").resolve()
    stdlib = [Path(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib")]
    files = [str(f) for f in report["files"]]  # type: ignore[attr-defined]
    strays = [f for f in files if not _under(f, [*paths, *stdlib])]
    assert not strays, f"{function.logical_id} loaded modules from outside its artifacts: {strays}"
    from_repo = [f for f in files if _under(f, [REPO])]
    assert not from_repo, f"{function.logical_id} loaded modules from the source tree: {from_repo}"
    modules = set(report["modules"])  # type: ignore[call-overload]
    if "keysmith" in modules:
        keysmith_files = [f for f in files if "/keysmith/" in f]
        assert keysmith_files
        assert all(_under(f, [sam_build.layer_python]) for f in keysmith_files)


# The verification hot path is imported lean, cold start being a product feature.
LEAN_FUNCTIONS = ("AuthorizerFunction", "VerifyFunction")
HEAVY_MODULES = ("pydantic", "pydantic_core", "aws_lambda_powertools.event_handler", "aws_xray_sdk")


@pytest.mark.parametrize("logical_id", LEAN_FUNCTIONS)
def test_hot_path_functions_import_no_framework(
    logical_id: str,
    sam_build: Build,
    host_native_dir: Path | None,
    lambda_runtime_dir: Path,
    tmp_path: Path,
) -> None:
    """What the deployed verify and authorizer functions load at cold start: no pydantic, no event
    handler (resolver), no X-Ray SDK (Lambda's active tracing needs none)."""
    function = next(f for f in FUNCTIONS if f.logical_id == logical_id)
    paths = [sam_build.function_dir(logical_id)]
    if host_native_dir is not None:
        paths.append(host_native_dir)
    paths += [sam_build.layer_python, lambda_runtime_dir]
    modules = set(_import_in_lambda_like_process(function, paths, tmp_path)["modules"])  # type: ignore[call-overload]
    heavy = sorted(m for m in modules if any(m == h or m.startswith(f"{h}.") for h in HEAVY_MODULES))
    assert not heavy, f"{logical_id} imports {heavy}"


def _requirement_pins(requirements: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if match := re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)", line):
            pins[_normalize(match.group(1))] = match.group(2)
    return pins


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _layer_distributions(layer_python: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for dist_info in layer_python.glob("*.dist-info"):
        name, _, version = dist_info.name.removesuffix(".dist-info").rpartition("-")
        found[_normalize(name)] = version
    return found


def test_layer_holds_keysmith_and_the_pinned_distributions(sam_build: Build) -> None:
    layer = sam_build.layer_python
    assert (layer / "keysmith" / "__init__.py").is_file(), "the layer must put keysmith under python/"
    source = REPO / "layers" / "common" / "keysmith"
    wanted = {p.relative_to(source) for p in source.rglob("*.py") if "__pycache__" not in p.parts}
    built = {p.relative_to(layer / "keysmith") for p in (layer / "keysmith").rglob("*.py")}
    assert wanted <= built, f"modules missing from the built layer: {sorted(map(str, wanted - built))}"
    assert not [p for p in built if p.name.startswith("test_") or p.name == "conftest.py"]

    pins = _requirement_pins(REPO / "layers" / "common" / "requirements.txt")
    assert pins, "layers/common/requirements.txt pins nothing"
    present = _layer_distributions(layer)
    wrong = {
        name: (version, present.get(name)) for name, version in pins.items() if present.get(name) != version
    }
    assert not wrong, f"pinned (wanted, built) that differ: {wrong}"


# Lambda's python3.13 runtime brings boto3 and its botocore; a copy in the layer would come first on
# sys.path and shadow them (and the X-Ray SDK, which pulled one in, is not in the layer: Lambda's
# active tracing traces every function without it).
NOT_IN_LAYER = ("boto3", "botocore", "s3transfer", "aws_xray_sdk")


def test_layer_ships_no_aws_sdk_and_no_xray_sdk(sam_build: Build) -> None:
    layer = sam_build.layer_python
    distributions = set(_layer_distributions(layer))
    found = [name for name in NOT_IN_LAYER if (layer / name).exists() or _normalize(name) in distributions]
    assert found == [], f"the layer ships {found}"
    assert (layer / "aws_lambda_powertools").is_dir()  # the folder looked in is the layer's packages


def _elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    assert header[4] == 2 and header[5] == 1, f"{path} is not 64-bit little-endian"
    machine: int = struct.unpack_from("<H", header, 18)[0]
    return machine


def test_layer_extensions_are_built_for_arm64(sam_build: Build) -> None:
    """The functions run on arm64 (Graviton): every compiled extension in the layer must be an
    aarch64 ELF for CPython 3.13 (or the stable ABI), whatever the machine that ran `sam build`."""
    layer = sam_build.layer_python
    extensions = sorted(layer.rglob("*.so"))
    assert extensions, "expected compiled extensions (pydantic-core, cryptography) in the layer"
    wrong_arch = [str(p.relative_to(layer)) for p in extensions if _elf_machine(p) != EM_AARCH64]
    assert not wrong_arch, f"not aarch64: {wrong_arch}"
    modules = [p for p in extensions if not p.parent.name.endswith(".libs")]  # not auditwheel's vendored libs
    wrong_abi = [
        p.name for p in modules if not re.search(r"\.(cpython-313-aarch64-linux-gnu|abi3)\.so$", p.name)
    ]
    assert not wrong_abi, f"extensions not for CPython 3.13 on aarch64: {wrong_abi}"
    natives = {_normalize(name) for name in native_distributions(layer)}
    assert {"pydantic-core", "cryptography"} <= natives


def test_this_host_is_covered(host_native_dir: Path | None) -> None:
    """Says which of the two import modes this run used, so a skipped half is never silent."""
    if host_can_load_built_extensions():
        assert host_native_dir is None
    else:
        assert host_native_dir is not None and any(host_native_dir.iterdir())


@pytest.mark.parametrize("function", FUNCTIONS, ids=[f.logical_id for f in FUNCTIONS])
def test_function_folder_holds_only_its_handler(function: FunctionSpec, sam_build: Build) -> None:
    """Shared code lives in the layer; a function ships its handler module and declared data only."""
    folder = sam_build.function_dir(function.logical_id)
    assert folder.is_dir(), f"sam build made no folder for {function.logical_id}"
    shipped = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    # requirements.txt: a comment-only file that tells sam build the function needs nothing of its own
    allowed = {f"{function.module}.py", "requirements.txt"} | ALLOWED_EXTRA_FILES.get(
        function.logical_id, set()
    )
    assert shipped == allowed, f"{function.logical_id} ships {sorted(shipped - allowed)} beyond {allowed}"


def test_layer_size_is_reported_by_owner(sam_build: Build, capsys: pytest.CaptureFixture[str]) -> None:
    """`make packaging` prints the layer's unzipped size and the distributions that take it.
    keysmith, which no distribution installs, counts as the layer's own code; every pinned distribution
    owns some of the rest."""
    layer = sam_build.layer_python
    size = measure(layer)
    with capsys.disabled():  # shown by `make packaging` (pytest -q); under xdist a worker's print is dropped
        print("\n" + size.report("layer as built by sam build"))
    keysmith_bytes = sum(p.stat().st_size for p in (layer / "keysmith").rglob("*") if p.is_file())
    assert size.bytes_by_owner[UNCLAIMED] >= keysmith_bytes > 0
    owners = {_normalize(owner) for owner, owned in size.bytes_by_owner.items() if owned > 0}
    pins = _requirement_pins(REPO / "layers" / "common" / "requirements.txt")
    assert set(pins) <= owners, f"pinned but owning no file: {sorted(set(pins) - owners)}"
    on_disk = sum(p.stat().st_size for p in layer.rglob("*") if p.is_file() and not p.is_symlink())
    assert size.total_bytes == on_disk


def test_package_fits_lambda_limits(sam_build: Build) -> None:
    layer_size = measure(sam_build.layer_python).total_bytes
    for function in FUNCTIONS:
        folder = sam_build.function_dir(function.logical_id)
        size = layer_size + sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        assert size < LAMBDA_UNZIPPED_LIMIT, f"{function.logical_id}: {size} bytes unzipped"
