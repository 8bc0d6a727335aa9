"""Runs the scripts beside this file in .venv-verl (verl 0.9.1 and OpenRLHF 0.11.2), as child processes."""

import json
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
VENV = REPO / ".venv-verl"
SCRIPT = Path(__file__).with_name("run_in_verl.py")


def run_script(name: str, job: dict) -> tuple[dict, str]:
    """``name`` (a script beside this file) in .venv-verl with ``job`` on stdin: its last line's JSON,
    and its stderr (the trainers' own logs)."""
    python = VENV / "bin" / "python"
    assert python.is_file(), "install it with: tools/install-env verl .venv-verl"
    script = Path(__file__).with_name(name)
    done = subprocess.run(
        [str(python), "-W", "ignore", str(script)], input=json.dumps(job), capture_output=True, text=True,
        timeout=600, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-8000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def run_in_verl(job: dict) -> dict:
    return run_script(SCRIPT.name, job)[0]
