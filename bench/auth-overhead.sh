#!/usr/bin/env bash
# What authenticating a request costs: wrk against a release matchd, GET /v1/me (the token check
# and nothing else) beside GET /healthz (no token), in the same run, as a ratio.
#
# Usage: bench/auth-overhead.sh [BIN_DIR]   (default: swift build -c release's bin path; needs wrk)
set -euo pipefail
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)"; exit 2; }
BIN=${1:-}
if [[ -z $BIN ]]; then
    swift build -c release >/dev/null 2>&1 || { echo "swift build -c release failed"; exit 1; }
    BIN=$(swift build -c release --show-bin-path)
fi
export LOTSEN_DEV_DIR=$(mktemp -d /tmp/lotsen-auth-bench.XXXXXX)
[[ $(id -u) == 0 ]] && chmod 755 "$LOTSEN_DEV_DIR"
MATCHD=
cleanup() { [[ -n $MATCHD ]] && kill "$MATCHD" 2>/dev/null; sleep 0.5; "$BIN/matchctl" dev --stop >/dev/null 2>&1 || true; rm -rf "$LOTSEN_DEV_DIR"; }
trap cleanup EXIT

"$BIN/matchctl" dev >/dev/null 2>&1
"$BIN/matchctl" forbund create --dev "Samordningsförbundet Mätning" >/dev/null 2>&1
TOKEN=$("$BIN/matchctl" tokens create --dev --role coordinator --forbund "Samordningsförbundet Mätning" 2>/dev/null | tail -n 1)
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
LOTSEN_LOG_LEVEL=warning "$BIN/matchd" --dev --no-demo --port "$PORT" >"$LOTSEN_DEV_DIR/matchd.log" 2>&1 & MATCHD=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

w() { wrk -t2 -c16 -d10s --latency "$@" 2>/dev/null; }
H=$(w "http://127.0.0.1:$PORT/healthz")
M=$(w -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/me")
fig() { echo "$1" | awk -v k="$2" 'k=="rps" && /Requests\/sec/{print int($2)} k=="p50" && / 50%/{print $2} k=="p99" && / 99%/{print $2}'; }
python3 - "$(fig "$H" rps)" "$(fig "$H" p50)" "$(fig "$H" p99)" "$(fig "$M" rps)" "$(fig "$M" p50)" "$(fig "$M" p99)" <<'PY'
import json, sys
h, hp50, hp99, m, mp50, mp99 = sys.argv[1:]
h, m = int(h or 0), int(m or 0)
print(f"{'':16}{'per s':>10}{'p50':>10}{'p99':>10}")
print(f"{'GET /healthz':16}{h:>10}{hp50:>10}{hp99:>10}")
print(f"{'GET /v1/me':16}{m:>10}{mp50:>10}{mp99:>10}")
print(json.dumps({"healthz_per_s": h, "me_per_s": m, "me_vs_healthz": round(m / h, 3) if h else None,
                  "healthz_p50": hp50, "healthz_p99": hp99, "me_p50": mp50, "me_p99": mp99}))
PY
