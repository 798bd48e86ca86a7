#!/usr/bin/env bash
# Peers side by side on the benchmark panel (see peers.py for the problem):
# thermorbit, Newton + scipy SuperLU, Newton + pyamg SA-CG and, where Debian's
# calculix-ccx installs, CalculiX; then the bandwidth bound (stream triad and
# one CSR mat-vec). Prints one table (solve time, peak memory, ratios to
# thermorbit, field agreement) and writes results.json and time_vs_unknowns.png
# next to this script. Needs only Rust and python3; safe to run again (the
# virtualenv and the CalculiX install are reused).
#
#   benches/peers/run.sh                        # 256² 512² 1024² 2048²
#   SIZES="256 512" benches/peers/run.sh        # a quick trial
#   PEERS_NO_CCX=1 benches/peers/run.sh         # without CalculiX
#   benches/peers/run.sh --solvers thermorbit pyamg   # extra arguments go to peers.py
#
# CalculiX runs up to 512² by default (--max-n ccx=1024 to go further: ~30 min,
# ~8 GB). A solver whose extrapolated peak memory exceeds 85 % of the available
# memory is skipped with a "skipped (memory)" row, and every run is capped at
# 90 % of it, so SuperLU at 2048² cannot take the machine down.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
py_pkgs=(numpy scipy pyamg matplotlib)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
    else return 1; fi
}

# --- Python virtualenv with the peers' dependencies -------------------------
if ! command -v python3 >/dev/null; then
    echo "run.sh: python3 not found; install it (Debian: apt-get install -y python3 python3-venv)" >&2
    exit 2
fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    rm -rf "$venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
        # Debian/Ubuntu split ensurepip into python3-venv; install it when we may.
        rm -rf "$venv"
        pyver="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        echo "run.sh: 'python3 -m venv' failed (ensurepip missing); trying apt-get install python${pyver}-venv" >&2
        if as_root apt-get install -y "python${pyver}-venv" python3-venv >/dev/null 2>&1 ||
           { as_root apt-get update >/dev/null 2>&1 &&
             as_root apt-get install -y "python${pyver}-venv" python3-venv >/dev/null 2>&1; }; then
            python3 -m venv "$venv"
        else
            echo "run.sh: cannot create a virtualenv: install python${pyver}-venv (Debian/Ubuntu)" \
                 "or a python3 with ensurepip, then run again" >&2
            exit 2
        fi
    fi
fi
if ! "$venv/bin/python" -c "import numpy, scipy, pyamg, matplotlib" 2>/dev/null; then
    echo "run.sh: installing ${py_pkgs[*]} into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet "${py_pkgs[@]}"
fi

# --- CalculiX (optional third peer) -----------------------------------------
ccx_args=()
if [ -z "${PEERS_NO_CCX:-}" ]; then
    if ! command -v ccx >/dev/null && command -v apt-get >/dev/null; then
        echo "run.sh: ccx not found; trying apt-get install calculix-ccx" >&2
        as_root apt-get install -y calculix-ccx >/dev/null 2>&1 ||
            { as_root apt-get update >/dev/null 2>&1 &&
              as_root apt-get install -y calculix-ccx >/dev/null 2>&1; } || true
    fi
    if command -v ccx >/dev/null; then
        ccx_args=(--ccx "$(command -v ccx)")
    else
        echo "run.sh: CalculiX skipped: calculix-ccx is not installed and could not be" \
             "(needs Debian/Ubuntu and root or passwordless sudo)" >&2
    fi
else
    echo "run.sh: CalculiX skipped (PEERS_NO_CCX set)" >&2
fi

# --- thermorbit ---------------------------------------------------------------
(cd "$root" && cargo build --release --example panel_bench --example stream_triad)
bin="${CARGO_TARGET_DIR:-$root/target}/release/examples"

# shellcheck disable=SC2086 # SIZES is a list of numbers
exec "$venv/bin/python" "$here/peers.py" \
    --bench "$bin/panel_bench" --triad "$bin/stream_triad" "${ccx_args[@]}" \
    --sizes ${SIZES:-256 512 1024 2048} --out "$here/results.json" "$@"
