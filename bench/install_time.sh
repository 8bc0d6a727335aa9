#!/usr/bin/env bash
# Install time, two revisions side by side in one run on one machine: `.ci/run`'s set-up part (its
# Debian step left out: the packages are on the machine) and `deploy/run-local.sh` from a fresh
# clone to the first answered POST /grade, each with the package caches emptied first (cold) and
# then kept (warm). Usage: bash bench/install_time.sh BEFORE_REV [AFTER_REV]   (AFTER: HEAD)
# Prints one markdown row per run; the clones go to a temporary folder, removed at the end.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
before=${1:?usage: bench/install_time.sh BEFORE_REV [AFTER_REV]}
after=${2:-HEAD}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
caches=("$HOME/.cache/pip" "$HOME/.cache/uv")

clone() {  # REV NAME -> a fresh clone of REV at $work/NAME
    git clone -q "$repo" "$work/$2" && git -C "$work/$2" checkout -q "$1"
}

ci_setup() {  # the set-up part of the clone's own .ci/run: after its Debian step, before pytest
    sed -e '/^if command -v apt-get/,/^fi$/d' -e '/^set +e$/,$d' .ci/run >.ci/setup-only  # beside it: it cds from its own place
    bash .ci/setup-only >"$work/log" 2>&1
}

run_local() {  # deploy/run-local.sh until a POST /grade is answered (600 s at most)
    local port=18765
    setsid bash deploy/run-local.sh --port "$port" >"$work/log" 2>&1 &
    local pid=$! deadline=$((SECONDS + 600)) status=1
    while [ $SECONDS -lt $deadline ] && kill -0 "$pid" 2>/dev/null; do
        if curl -sf -o /dev/null "http://127.0.0.1:$port/grade" -H 'content-type: application/json' \
            -d '{"items": [{"ground_truth": "dog", "prediction": "samoyed"}]}'; then
            status=0
            break
        fi
        sleep 0.5
    done
    kill -- -"$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return $status
}

echo "| revision | what | cache | seconds | result |"
echo "|---|---|---|---:|---|"
for label in before after; do
    rev=$before
    [ "$label" = after ] && rev=$after
    short=$(git -C "$repo" rev-parse --short "$rev")
    for what in ci_setup run_local; do
        for cache in cold warm; do
            [ "$cache" = cold ] && rm -rf "${caches[@]}"
            name="$label-$what-$cache"
            rm -f "$work/log"
            clone "$rev" "$name"
            start=$SECONDS
            (cd "$work/$name" && "$what")
            rc=$?
            result=ok
            [ $rc = 0 ] || result="failed: $(grep -iE "error|fail" "$work/log" | tail -n 1 | cut -c1-120)"
            echo "| $label ($short) | $what | $cache | $((SECONDS - start)) | $result |"
            rm -rf "${work:?}/$name"
        done
    done
done
