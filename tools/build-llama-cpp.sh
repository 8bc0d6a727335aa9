#!/usr/bin/env bash
# Builds llama-cpp-python (the real OpenAI-compatible judge server the tests run) from source,
# portably: no -march=native and no AMX, AVX2/FMA/F16C kept for speed. A native build on a CPU
# with AMX emits `ldtilecfg` in ggml's AMX path, which faults where the kernel grants no AMX
# state (issue 11). Usage: tools/build-llama-cpp.sh PYTHON [LOG]   (about 5 minutes on 2 cores)
set -euo pipefail
python=${1:?usage: $0 PYTHON [LOG]}
log=${2:-llama-cpp-build.log}
version=0.3.36

# llama.cpp's CMake options (ggml/CMakeLists.txt), passed through scikit-build-core.
# LLAVA_BUILD=OFF skips the multimodal library (mtmd): the judge server never loads it.
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAVA_BUILD=OFF"
# --no-cache-dir: a wheel cached from an earlier (native) build would silently skip these flags.
"$python" -m pip install --no-cache-dir --no-binary llama-cpp-python -v "llama-cpp-python[server]==$version" >"$log" 2>&1 || {
    tail -n 40 "$log" >&2
    echo "llama-cpp-python build failed; full log in $log" >&2
    exit 1
}

# The options took: the CPU backend compiled with AVX2, without native tuning or AMX.
cpu_compile=$(grep -m1 -- "ggml-cpu/ggml-cpu.c.o -c" "$log" || true)
if [ -z "$cpu_compile" ] || [[ "$cpu_compile" != *"-mavx2"* ]] || [[ "$cpu_compile" == *"-march=native"* ]] \
    || [[ "$cpu_compile" == *"-mamx"* ]]; then
    echo "llama.cpp was not compiled with the portable flags; compile line: ${cpu_compile:-not found} (log: $log)" >&2
    exit 1
fi
lib=$("$python" -c 'import llama_cpp, pathlib; print(next(pathlib.Path(llama_cpp.__file__).parent.glob("lib/libggml-cpu.so")))')
tiles=$(objdump -d "$lib" | grep -c tilecfg || true)
if [ "$tiles" != 0 ]; then
    echo "$lib contains $tiles AMX tile-configuration instructions" >&2
    exit 1
fi
echo "llama-cpp-python $version built portably (AVX2, no AMX: 0 tilecfg in $lib)"
