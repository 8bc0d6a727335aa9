"""The trainer client installs and imports without the server (a training job needs only the client)."""

import pkgutil
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser

from conftest import REPO

import trainer_client

CLIENT = REPO / "trainer_client"
SERVER_PACKAGES = {"fastapi", "uvicorn", "specificity-verifier", "prometheus-client", "redis", "nltk"}


def test_every_module_imports_with_the_server_package_absent():
    # verl_reward_loop.py imports verl itself (it runs inside verl), openrlhf_agent.py OpenRLHF:
    # tests/trainer/test_verl_launch.py and test_openrlhf_agent.py import them in .venv-verl, with no
    # server package there either
    skipped = {"__main__", "verl_reward_loop", "openrlhf_agent"}
    modules = sorted(
        f"trainer_client.{m.name}" for m in pkgutil.iter_modules(trainer_client.__path__) if m.name not in skipped
    )
    assert {"trainer_client.rewards", "trainer_client.trl_reward", "trainer_client.cli"} <= set(modules)
    code = (
        "import sys; sys.modules['verifier_service'] = None  # any import of it now fails\n"
        f"import importlib\nfor name in {modules!r}:\n    importlib.import_module(name)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_client_distribution_requires_no_server_dependency(tmp_path):
    # Built from a clean copy: setuptools leaves build/ folders behind that a later build would reuse.
    source = tmp_path / "source"
    shutil.copytree(CLIENT, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("speciarl_trainer_client-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = Parser().parsestr(archive.read(next(n for n in names if n.endswith("/METADATA"))).decode())
    required = {
        r.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
        for r in metadata.get_all("Requires-Dist")
    }
    assert {"httpx", "tenacity"} <= required and not required & SERVER_PACKAGES
    assert not any(name.startswith("verifier_service/") for name in names)
    assert "trainer_client/configs/tiny.yaml" in names
