"""The llama.cpp library the judge tests run is portable: no AMX, AVX2 kept (issue 11).

A build tuned for a CPU with AMX emits ``ldtilecfg`` in ggml's AMX matmul path, which faults
(SIGSEGV) on machines whose kernel grants the process no AMX state. ``tools/install-env``
builds it without; this checks the installed binary itself with objdump.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

llama_cpp = pytest.importorskip("llama_cpp", reason="install it with tools/install-env dev .venv (locks/dev.txt)")


def _disassembly() -> str:
    objdump = shutil.which("objdump")
    assert objdump, "install binutils (objdump)"
    library = next(Path(llama_cpp.__file__).parent.glob("lib/libggml-cpu.so"))
    return subprocess.run([objdump, "-d", str(library)], capture_output=True, text=True, check=True).stdout


def test_ggml_cpu_library_has_no_amx_and_keeps_avx2():
    code = _disassembly()
    assert code.count("tilecfg") == 0  # ldtilecfg / sttilecfg: the AMX path
    assert "%zmm" not in code  # no AVX-512 either: it must run on any x86-64 CPU with AVX2
    assert "%ymm" in code  # AVX2 is kept, so the judge stays fast
