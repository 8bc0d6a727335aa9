"""SGLang's own request validation (``validate.py``), run in .venv-sglang as a child process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
VENV = REPO / ".venv-sglang"
SCRIPT = HERE / "validate.py"


class SGLangValidator:
    """``check(body, vocab_size)`` -> SGLang's verdict on one ``/generate`` body."""

    def __init__(self, venv: Path = VENV) -> None:
        python = venv / "bin" / "python"
        if not python.exists():
            raise RuntimeError(
                f"{venv} is missing: install it with tools/install-env sglang .venv-sglang (.ci/run does)"
            )
        self._process = subprocess.Popen(
            [str(python), "-W", "ignore", str(SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first = self._read()
        if first != {"ready": True}:
            raise RuntimeError(f"the SGLang validator did not start: {first}")

    def _read(self) -> Any:
        line = self._process.stdout.readline()
        if not line:
            self._process.wait(timeout=10)
            raise RuntimeError(f"the SGLang validator died: {self._process.stderr.read()[-3000:]}")
        return json.loads(line)

    def check(self, body: dict, vocab_size: int) -> dict:
        self._process.stdin.write(json.dumps({"body": body, "vocab_size": vocab_size}) + "\n")
        self._process.stdin.flush()
        return self._read()

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait(timeout=10)
