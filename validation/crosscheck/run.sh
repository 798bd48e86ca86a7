#!/usr/bin/env bash
# Independent cross-check of `thermorbit orbit` (Sun, beta angle, orbit, eclipse times)
# against astropy's built-in ERFA ephemeris and a scipy DOP853 J2 propagator.
#
#   validation/crosscheck/run.sh            # 24 scenarios (LEO 400/550/800 km, GEO; J2 and two-body)
#   validation/crosscheck/run.sh --quick    # 8 scenarios
#   validation/crosscheck/run.sh --extra "--elements mean"   # thermorbit with mean elements
#
# Makes a local venv in validation/crosscheck/.venv (numpy, scipy, astropy from PyPI; no
# other download: astropy's built-in ephemeris needs no kernel), builds the release binary,
# prints a Markdown table and writes it to validation/crosscheck/results.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet "numpy>=1.24" "scipy>=1.10" "astropy>=5.3"
fi
(cd "$root" && cargo build --release --quiet --bin thermorbit)
exec "$venv/bin/python" "$here/crosscheck.py" --binary "$root/target/release/thermorbit" \
  --markdown "$here/results.md" "$@"
