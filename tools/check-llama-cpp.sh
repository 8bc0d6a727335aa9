#!/usr/bin/env bash
# Checks that the llama-cpp-python a venv holds (built from source by tools/install-env, from
# locks/dev.txt) was built portably: AVX2 on, no native tuning (AVX-512 off even on a CPU that has
# it), no AMX. A native build on a CPU with AMX emits `ldtilecfg` in ggml's AMX path, which faults
# where the kernel grants no AMX state (issue 11). Usage: tools/check-llama-cpp.sh PYTHON
set -euo pipefail
python=${1:?usage: $0 PYTHON}
# ggml reports the instruction sets it was compiled for (ggml_cpu_has_*: #if defined(__AVX2__) ...).
info=$("$python" -c 'import llama_cpp; print(llama_cpp.llama_print_system_info().decode())')
# (Only the sets that are on are listed by newer versions.)
if [[ "$info" != *"AVX2 = 1"* || "$info" == *"AVX512 = 1"* || "$info" == *"AMX_INT8 = 1"* ]]; then
    echo "llama.cpp was not built with the portable flags (AVX2 on, AVX-512 and AMX off); it reports: $info" >&2
    exit 1
fi
lib=$("$python" -c 'import llama_cpp, pathlib; print(next(pathlib.Path(llama_cpp.__file__).parent.glob("lib/libggml-cpu.so")))')
tiles=$(objdump -d "$lib" | grep -c tilecfg || true)
if [ "$tiles" != 0 ]; then
    echo "$lib contains $tiles AMX tile-configuration instructions" >&2
    exit 1
fi
echo "llama-cpp-python $("$python" -c 'import llama_cpp; print(llama_cpp.__version__)') built portably (AVX2, no AVX-512, no AMX: 0 tilecfg in $lib)"
