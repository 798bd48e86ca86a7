#!/usr/bin/env bash
# Side-by-side: thermorbit vs Newton + scipy SuperLU vs Newton + pyamg-CG on the
# identical nonlinear panel problem (see peers.py). Creates its own virtualenv.
#
#   benches/peers/run.sh            # sizes 256 512 1024
#   SIZES="256 512 1024 2048" benches/peers/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet numpy scipy pyamg matplotlib
fi
if [ ! -x /usr/bin/time ]; then
    echo "need /usr/bin/time for peak memory (apt-get install -y time)" >&2
    exit 2
fi
(cd "$root" && cargo build --release --example panel_bench)
exec "$venv/bin/python" "$here/peers.py" \
    --bench "$root/target/release/examples/panel_bench" \
    --sizes ${SIZES:-256 512 1024} --out "$here/results.json" "$@"
