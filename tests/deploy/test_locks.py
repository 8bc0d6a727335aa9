"""The committed locks (locks/*.txt and deploy/requirements.lock, written by tools/lock): read as
files, not from what a venv happens to hold, against the projects' own pyproject.toml files; and
the venvs .ci/run installs from them hold exactly what they list."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import tomllib
from conftest import REPO
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

LOCKS = REPO / "locks"
OUTPUTS = {p.stem: LOCKS / f"{p.stem}.txt" for p in LOCKS.glob("*.in") if not p.stem.endswith(".nodeps")}
OUTPUTS["image"] = REPO / "deploy" / "requirements.lock"
LOCAL = {
    "specificity-verifier": REPO / "pyproject.toml",
    "speciarl-trainer-client": REPO / "trainer_client" / "pyproject.toml",
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
# What a lock's markers are evaluated under: the Python and platform the locks cover.
TARGET = {**default_environment(), "python_version": "3.11", "python_full_version": "3.11.7", "sys_platform": "linux",
          "platform_system": "Linux", "platform_machine": "x86_64", "implementation_name": "cpython"}  # fmt: skip


@dataclass
class Lock:
    path: Path
    pins: dict[str, Version] = field(default_factory=dict)
    via: dict[str, set[str]] = field(default_factory=dict)  # package -> what requires it (uv's annotations)
    python: str = ""

    @classmethod
    def read(cls, path: Path) -> Lock:
        lock, current, in_via = cls(path), None, False
        for line in path.read_text().splitlines():
            if m := re.match(r"^# python: ([0-9.]+) ", line):
                lock.python = m.group(1)
            elif m := PIN.match(line):
                current, in_via = canonicalize_name(m.group(1)), False
                lock.pins[current] = Version(m.group(2))
                lock.via[current] = set()
            elif line.startswith("-e "):
                current, in_via = None, False
            elif current and (m := re.match(r"^\s+# via(?: (.+))?$", line)):
                in_via = True
                if m.group(1):
                    lock.via[current].add(m.group(1).strip())
            elif current and in_via and (m := re.match(r"^\s+#\s{2,}(\S.*)$", line)):
                lock.via[current].add(m.group(1).strip())
        return lock


def local_requirements(name: str, extras: set[str]) -> list[tuple[Requirement, str]]:
    """A local project's requirements under the given extras, with where each comes from."""
    project = tomllib.loads(LOCAL[name].read_text())["project"]
    found = [(Requirement(r), "dependencies") for r in project["dependencies"]]
    for extra in sorted(extras):
        found += [(Requirement(r), f"extra {extra}") for r in project["optional-dependencies"][extra]]
    return [(r, where) for r, where in found if not r.marker or r.marker.evaluate(TARGET)]


def inputs(env: str) -> tuple[list[Requirement], dict[str, set[str]]]:
    """An environment's locks/ENV.in (and .nodeps.in): third-party requirements, local projects with extras."""
    third_party, local = [], {}
    for path in (LOCKS / f"{env}.in", LOCKS / f"{env}.nodeps.in"):
        if not path.exists():
            continue
        for raw in path.read_text().splitlines():
            line = raw.split("#", 1)[0].strip().removeprefix("-e ").strip()
            if not line:
                continue
            if line.startswith("."):
                folder, _, extras = line.partition("[")
                name = (
                    "speciarl-trainer-client"
                    if folder.rstrip("/").endswith("trainer_client")
                    else "specificity-verifier"
                )
                local[name] = {e.strip() for e in extras.rstrip("]").split(",") if e.strip()}
            else:
                third_party.append(Requirement(line))
    return third_party, local


def unsatisfied(lock: Lock, requirement: Requirement) -> str | None:
    name = canonicalize_name(requirement.name)
    if name in LOCAL:
        return None
    if name not in lock.pins:
        return f"{requirement} is not locked"
    if not requirement.specifier.contains(lock.pins[name], prereleases=True):
        return f"{requirement} is locked at {lock.pins[name]}"
    return None


@pytest.mark.parametrize("env", sorted(OUTPUTS))
def test_every_requirement_is_satisfied_by_a_locked_version(env):
    """A dependency added to pyproject.toml or locks/ENV.in without running tools/lock fails here, named."""
    lock = Lock.read(OUTPUTS[env])
    third_party, local = inputs(env)
    problems = [f"locks/{env}.in: {p}" for r in third_party if (p := unsatisfied(lock, r))]
    todo, seen = list(local.items()), set()
    while todo:  # the local projects require each other: the service requires the trainer client
        name, extras = todo.pop()
        for requirement, where in local_requirements(name, extras):
            key = canonicalize_name(requirement.name)
            if key in LOCAL and key not in seen:
                seen.add(key)
                todo.append((key, set(requirement.extras)))
            elif problem := unsatisfied(lock, requirement):
                problems.append(f"{LOCAL[name].relative_to(REPO)} ({where}): {problem}")
    assert not problems, f"{OUTPUTS[env].relative_to(REPO)} is stale; run tools/lock:\n" + "\n".join(problems)


@pytest.mark.parametrize("env", sorted(OUTPUTS))
def test_every_locked_package_is_reachable_from_the_inputs(env):
    """Nothing stale: each pin is required by an input, or by a locked package that is; and a pin that
    only a local project asked for is still asked for by its pyproject.toml."""
    lock = Lock.read(OUTPUTS[env])
    third_party, _ = inputs(env)
    named_by_inputs = {canonicalize_name(r.name) for r in third_party}
    every_extra = {
        name: set(tomllib.loads(path.read_text())["project"]["optional-dependencies"]) for name, path in LOCAL.items()
    }
    wanted_by_local = {
        canonicalize_name(r.name) for name in LOCAL for r, _ in local_requirements(name, every_extra[name])
    }
    reachable = set(LOCAL)
    changed = True
    while changed:
        changed = False
        for package, parents in lock.via.items():
            if package in reachable:
                continue
            named = package in named_by_inputs and any(p.startswith("-r locks/") for p in parents)
            if named or any(canonicalize_name(p.split(" ")[0]) in reachable for p in parents):
                reachable.add(package)
                changed = True
    stale = sorted(set(lock.pins) - reachable)
    assert not stale, f"{OUTPUTS[env].relative_to(REPO)} pins what nothing requires (run tools/lock): {stale}"
    orphans = [
        p for p, parents in lock.via.items()
        if parents and parents <= set(LOCAL) and p not in wanted_by_local
    ]  # fmt: skip
    assert not orphans, f"no pyproject.toml requires {orphans} any more: run tools/lock"


@pytest.mark.parametrize("env", sorted(OUTPUTS))
def test_every_lock_says_which_python_it_covers_and_pins_with_hashes(env):
    text = OUTPUTS[env].read_text()
    lock = Lock.read(OUTPUTS[env])
    assert lock.python == "3.11"
    assert lock.pins
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    unhashed = [b.split()[0] for b in blocks if PIN.match(b) and "--hash=sha256:" not in b]
    assert not unhashed, unhashed
    if "torch" in lock.pins:  # the CPU build; a bare "torch" resolves to a multi-GB CUDA build
        assert str(lock.pins["torch"]) == "2.13.0+cpu"


def test_an_interpreter_the_locks_do_not_cover_is_refused_with_the_versions_they_cover(tmp_path):
    fake = tmp_path / "python3.12"
    fake.write_text("#!/bin/sh\necho 3.12\n")
    fake.chmod(0o755)
    done = subprocess.run(
        [str(REPO / "tools" / "install-env"), "service", str(tmp_path / "venv")],
        env={**os.environ, "PYTHON": str(fake)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "covers Python 3.11 only" in done.stderr and "is Python 3.12" in done.stderr, done.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize("env, venv", [("dev", ".venv"), ("sglang", ".venv-sglang"), ("verl", ".venv-verl")])
def test_the_venvs_ci_installs_hold_exactly_their_lock(env, venv):
    """Nothing more, nothing less, nothing at another version; and no venv reads another one's packages."""
    python = REPO / venv / "bin" / "python"
    assert python.exists(), f"{venv} is missing: tools/install-env {env} {venv} (.ci/run does)"
    freeze = subprocess.run(
        [str(REPO / "tools" / "uv"), "pip", "freeze", "--python", str(python)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed = {canonicalize_name(m.group(1)): Version(m.group(2)) for m in map(PIN.match, freeze.splitlines()) if m}
    assert installed == Lock.read(OUTPUTS[env]).pins
    path = subprocess.run([str(python), "-c", "import sys; print(sys.path)"], capture_output=True, text=True).stdout
    assert "/.venv/" not in path or venv == ".venv", path
