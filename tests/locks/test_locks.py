"""The hashed locks: every line pinned with hashes, no index or host recorded, the layers agree on their
pins, and (with PROVISION_LOCK_CHECK=pypi, as `make test` sets it) pip accepts each lock in --require-hashes
mode against PyPI alone for this machine and for x86_64 and aarch64 Linux on CPython 3.11 to 3.13
(PROVISION_LOCK_CHECK=all adds the real-server lock, a multi-GB download per platform).

The install check is pip's own resolver run with `--dry-run --no-deps --ignore-installed --report`: it finds a
file of the pinned version whose hash is in the lock for the target platform, without installing. A real
clean install of each lock is measured in the README (set-up section)."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker

REPO = Path(__file__).resolve().parents[2]
LOCKS = {
    name: REPO / f"requirements-{name}.lock" for name in ("pip", "runtime", "pulumi", "dev", "realserver")
}
# Installed into one venv together, in this order: each a superset of the one before, at the same pins.
LAYERS = ("runtime", "pulumi", "dev")
# Markers uv writes for a universal lock; anything else would need a look at whether a platform is left out.
PLATFORMS = [(arch, py) for arch in ("x86_64", "aarch64") for py in ("3.11", "3.12", "3.13")]
# pip takes --platform tags literally (no older-glibc expansion): list the glibc range of current distros.
MANYLINUX = ("linux", "manylinux2014", *(f"manylinux_2_{minor}" for minor in range(17, 40)))

_REQUIREMENT = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^ ;\\]+)(?: ; (?P<marker>[^\\]+))? \\$"
)
_HASH = re.compile(r"^    --hash=sha256:[0-9a-f]{64}( \\)?$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(lock: Path) -> dict[str, tuple[str, str, frozenset[str]]]:
    """name → (version, marker, hashes). Fails on any line that is not a pin, a hash, or a comment."""
    pins: dict[str, tuple[str, str, frozenset[str]]] = {}
    current: str | None = None
    for number, line in enumerate(lock.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if match := _REQUIREMENT.match(line):
            current = canonical(match["name"])
            assert current not in pins, f"{lock.name}:{number}: {current} pinned twice"
            pins[current] = (match["version"], (match["marker"] or "").strip(), frozenset())
            continue
        assert current is not None and _HASH.match(line), f"{lock.name}:{number}: not a pin/hash: {line!r}"
        version, marker, hashes = pins[current]
        pins[current] = (version, marker, hashes | {line.split("sha256:")[1][:64]})
    return pins


@pytest.mark.parametrize("name", LOCKS)
def test_every_requirement_is_pinned_with_hashes(name: str) -> None:
    pins = parse(LOCKS[name])
    assert pins
    unhashed = [package for package, (_, _, hashes) in pins.items() if not hashes]
    assert not unhashed, f"{name}: pinned without a hash: {unhashed}"


@pytest.mark.parametrize("name", LOCKS)
def test_no_index_url_or_host_is_recorded(name: str) -> None:
    text = LOCKS[name].read_text()
    assert not re.search(r"--(extra-)?index-url|--find-links|--trusted-host|://|\bpypi\b|\.org\b", text)
    assert "make lock" in text.splitlines()[1], "the header names the command that regenerates the lock"


def test_layers_pin_the_same_versions() -> None:
    layers = {name: parse(LOCKS[name]) for name in LAYERS}
    for lower, upper in itertools.pairwise(LAYERS):
        missing = set(layers[lower]) - set(layers[upper])
        assert not missing, f"{upper} lacks what {lower} pins: {sorted(missing)}"
        differ = [p for p in layers[lower] if layers[lower][p] != layers[upper][p]]
        assert not differ, f"{lower} and {upper} pin or hash these differently: {differ}"


def test_runtime_lock_holds_every_runtime_dependency_and_no_dev_tool() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = parse(LOCKS["runtime"])
    names = [re.split(r"[<>=!~ ;\[]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]]
    assert not [name for name in names if name not in runtime]
    for extra in ("pulumi", "dev"):
        for dep in project["optional-dependencies"][extra]:
            name = re.split(r"[<>=!~ ;\[]", dep, maxsplit=1)[0].lower()
            if name not in names and name not in ("setuptools",):
                assert name not in runtime, f"{name} (extra {extra}) is in the runtime lock"


def test_markers_leave_no_linux_platform_out() -> None:
    """A marker may exclude Windows, macOS, emscripten or PyPy, or Pythons beyond 3.13; never Linux on x86_64
    or aarch64 with CPython 3.11-3.13 for a package that platform needs (checked: every marker in the locks is
    one of these shapes)."""
    allowed = re.compile(
        r"^(sys_platform [!=]= '(win32|linux|emscripten|darwin)'|platform_python_implementation [!=]= 'PyPy'"
        r"|implementation_name [!=]= 'PyPy'|python_full_version [<>]=? '3\.1[1-5](\.0)?'"
        r"|platform_machine == '(x86_64|aarch64|AMD64|ARM64|amd64|arm64)'| and | or |\(|\))+$"
    )
    for name, lock in LOCKS.items():
        for package, (_, marker, _) in parse(lock).items():
            assert not marker or allowed.match(marker), f"{name}: {package}: marker {marker!r}"


def _pip_dry_run(lock: Path, *platform_args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k in ("PIP_CERT",)}
    env["PIP_CONFIG_FILE"] = os.devnull  # no local wheel folder, no extra index: PyPI alone
    return subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--require-hashes", "--no-deps",
         "--ignore-installed", "--disable-pip-version-check", "--report", "-", *platform_args,
         "-r", str(lock)],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip


CHECK = os.environ.get("PROVISION_LOCK_CHECK", "")
needs_pypi = pytest.mark.skipif(
    CHECK not in ("pypi", "all"), reason="asks PyPI: set PROVISION_LOCK_CHECK=pypi (make test does)"
)
# pip downloads each file to check its hash: the real-server lock is about 3 GB per platform (torch with its
# CUDA wheels): its dry runs are opt-in. `make test` installs it for real here (`make realserver`).
heavy = pytest.mark.skipif(
    CHECK != "all", reason="downloads about 3 GB per platform: set PROVISION_LOCK_CHECK=all"
)


@needs_pypi
@pytest.mark.parametrize("name", [pytest.param(n, marks=heavy) if n == "realserver" else n for n in LOCKS])
def test_lock_installs_here_with_require_hashes(name: str) -> None:
    result = _pip_dry_run(LOCKS[name])
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)["install"]
    chosen = {canonical(item["metadata"]["name"]) for item in report}
    pins = parse(LOCKS[name]).items()
    wanted = {package for package, (_, marker, _) in pins if not marker or Marker(marker).evaluate()}
    assert chosen == wanted


@needs_pypi
@pytest.mark.parametrize(("arch", "python"), PLATFORMS)
@pytest.mark.parametrize("name", ["dev", pytest.param("realserver", marks=heavy)])
def test_lock_has_wheels_for_each_platform(name: str, arch: str, python: str) -> None:
    """Binary wheels only: the lock must install on that platform without building anything. The dev lock
    holds the runtime and Pulumi locks at the same pins and hashes (test_layers_pin_the_same_versions)."""
    platforms = [arg for tag in MANYLINUX for arg in ("--platform", f"{tag}_{arch}")]
    result = _pip_dry_run(
        LOCKS[name], "--only-binary=:all:", *platforms, "--python-version", python, "--implementation", "cp"
    )
    assert result.returncode == 0, result.stderr
