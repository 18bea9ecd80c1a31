#!/usr/bin/env bash
# The checks to run when a session is lent a GPU: one prepared script whose steps have
# time limits adding up to 9 minutes (the device tool allows 10 minutes a command and 15
# a session, the machine's start included).
#
#   make devdata                                   # here: copy the data sets to .devdata/
#   device run, carry [".devdata"]:  bash tools/device_check.sh
#
# It uses the device machine's own Python and torch (nothing is installed there):
#   1. the unit tests (on its CPU: they need no GPU, but prove that environment works);
#   2. every chapter's smoke runs, trained and evaluated on the GPU (every runner task);
#   3. one epoch of Table 2's networks (3x1024 and 2x4096) on the GPU, fit against a
#      bare loop: measured epoch times for the paper budget's GPU estimate.
# Logs and benchmark files go to $OUT (the device tool's folder, which returns at most
# 8 files: this script writes 7) or _build/device.
# Exits non-zero if any step failed; every step runs regardless.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-_build/device}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export DROPOUT_TUTORIAL_DATA="${DROPOUT_TUTORIAL_DATA:-$PWD/.devdata}"
export DROPOUT_TUTORIAL_CACHE="$PWD/_build/device-cache"   # smoke records stay out of results/
PY="${PYTHON:-python3}"
DEVICE="${DEVICE:-cuda}"
failed=()

step() {   # step NAME SECONDS COMMAND...: run with a time limit, log to $OUT/NAME.log
    local name=$1 limit=$2
    shift 2
    echo "== $name (at most $limit s)"
    local tic=$SECONDS
    if timeout "$limit" "$@" >"$OUT/$name.log" 2>&1; then
        echo "   ok in $((SECONDS - tic)) s"
    else
        echo "   FAILED (exit $?) after $((SECONDS - tic)) s; last lines:"
        tail -n 15 "$OUT/$name.log"
        failed+=("$name")
    fi
}

"$PY" - <<'EOF' | tee "$OUT/environment.txt"
import platform, torch
print("python", platform.python_version(), "torch", torch.__version__)
print("cuda available:", torch.cuda.is_available(),
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
EOF
[ -d "$DROPOUT_TUTORIAL_DATA/MNIST" ] || { echo "no data in $DROPOUT_TUTORIAL_DATA: run make devdata and carry .devdata"; exit 2; }

step unit-tests 150 "$PY" -m pytest -q -p no:cacheprovider -x tests \
    --ignore=tests/test_notebooks.py --ignore=tests/test_book_html.py \
    --ignore=tests/test_device_budget_seed.py -m "not book"
step smoke-runs-on-gpu 240 "$PY" -m dropout_tutorial.experiments run --budget smoke \
    --device "$DEVICE"
for net in 784,1024,1024,1024,10 784,4096,4096,10; do
    name="fit-${net//,/-}-$DEVICE"
    step "$name" 75 "$PY" benchmarks/bench_fit.py --device "$DEVICE" --sizes "$net" \
        --epochs 3 --json "$OUT/$name.json"
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "failed steps: ${failed[*]}"
    exit 1
fi
echo "every step passed"
