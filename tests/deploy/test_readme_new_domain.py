"""The README's worked example of a new domain runs as written: taxonomy, check, serve, upload,
grade with explanations, and the measure without a judge."""

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO
from support.processes import free_port

MARKERS = re.compile(r"<!-- example:new-domain -->\s*```bash\n(.*?)```\s*<!-- /example:new-domain -->", re.S)


def test_the_new_domain_example_runs_as_written(tmp_path: Path):
    script = MARKERS.search((REPO / "README.md").read_text()).group(1)
    env = {**os.environ, "PORT": str(free_port()), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    env.pop("VERIFIER_CONFIG_FILE", None)
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr + (tmp_path / "serve.log").read_text()
    out = done.stdout
    assert "ok: mushrooms.yaml: 'mushrooms', 8 nodes" in out and "mushrooms: created" in out
    assert '"node": "Boletus edulis"' in out
    lines = [line for line in out.splitlines() if " | " in line]
    assert [line.split(" | ")[0] for line in lines] == ["specific", "less specific", "wrong", "wrong", "abstain"]
    readme = (REPO / "README.md").read_text()
    for line in lines:  # the README shows what it prints
        assert line in readme, line
    assert "pairs 11, graded 10; agreement 100.0%, correct/wrong flips 0" in out
