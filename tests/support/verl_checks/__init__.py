"""Runs ``run_in_verl.py`` in .venv-verl (verl 0.9.1 and OpenRLHF 0.11.2's client), as a child process."""

import json
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
VENV = REPO / ".venv-verl"
SCRIPT = Path(__file__).with_name("run_in_verl.py")


def run_in_verl(job: dict) -> dict:
    python = VENV / "bin" / "python"
    assert python.is_file(), "install it with: tools/install-env verl .venv-verl"
    done = subprocess.run(
        [str(python), "-W", "ignore", str(SCRIPT)], input=json.dumps(job), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-8000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
