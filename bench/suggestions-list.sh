#!/bin/bash
# The coordinator's review list beside the cheapest route, in one run on one throwaway PostgreSQL:
#   wrk (2 threads, 16 connections, 10 s each) against a release matchd:
#   /healthz, and /v1/suggestions?state=proposed&limit=50 as a coordinator (each page audits a
#   read of every participant on it), after matching has proposed suggestions for 300
#   participants over 10 offers.
# Prints requests per second, p50 and p99 of each and the ratio; last, one JSON line.
# Usage: bench/suggestions-list.sh   (from the project root; needs wrk and the PostgreSQL server programs)
set -u
ROOT=$(pwd)
[[ -f $ROOT/Package.swift ]] || { echo "run from the project root"; exit 2; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $PGBIN/initdb ]] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)"; exit 2; }
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)"; exit 2; }
TMP=$(mktemp -d -t suggestions-list.XXXXXX); chmod 755 "$TMP"
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
MATCHD=""
cleanup() { [[ -n $MATCHD ]] && kill "$MATCHD" 2>/dev/null; sleep 0.5; as_pg "$PGBIN/pg_ctl" -D "$TMP/pg" -m immediate stop >/dev/null 2>&1; rm -rf "$TMP"; }
trap cleanup EXIT

mkdir -p "$TMP/pg"; [[ $(id -u) == 0 ]] && chown postgres "$TMP" "$TMP/pg"
as_pg "$PGBIN/initdb" -D "$TMP/pg" -A trust -U postgres >/dev/null || exit 2
as_pg "$PGBIN/pg_ctl" -D "$TMP/pg" -l "$TMP/pg.log" -w -o "-k $TMP -c listen_addresses='' -c shared_buffers=256MB -c max_connections=200" start >/dev/null || exit 2
export LOTSEN_DATABASE_URL="postgresql:///postgres?host=$TMP&user=postgres"

swift build -c release >/dev/null 2>&1 || { echo "swift build -c release failed"; exit 1; }
BIN=$(swift build -c release --show-bin-path 2>/dev/null)
"$BIN/matchctl" migrate >/dev/null 2>&1 || { echo "matchctl migrate failed"; exit 1; }
"$BIN/matchctl" supports load --seed >/dev/null 2>&1 || exit 1
"$BIN/matchctl" forbund create "Samordningsförbundet Centrala Östergötland" >/dev/null 2>&1 || exit 1
TOKEN=$("$BIN/matchctl" tokens create --role coordinator --forbund "Samordningsförbundet Centrala Östergötland" 2>/dev/null | tail -n 1)
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$BIN/matchd" --port "$PORT" >"$TMP/matchd.log" 2>&1 & MATCHD=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# An employer with 10 open offers and 300 consenting participants, through the API; matching proposes.
PORT=$PORT TOKEN=$TOKEN python3 - <<'PY' || { echo "could not create the market"; exit 1; }
import json, os, time, urllib.error, urllib.request
def call(method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{os.environ['PORT']}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + os.environ["TOKEN"], "Content-Type": "application/json"})
    try:
        return json.loads(urllib.request.urlopen(req).read() or b"{}")
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{method} {path}: {error.code} {error.read().decode()}")
employer = call("POST", "/v1/employers", {"organisationsnummer": "212000-0449", "name": "Linköpings kommun", "sector": "public"})["id"]
for i in range(10):
    call("POST", f"/v1/employers/{employer}/offers", {"type": "praktik", "occupation": "5120", "title": f"Kockbiträde {i}",
         "hours_min": 10, "hours_max": 30, "start_date": "2027-02-01", "workplace_kommunkod": "0580", "handledare_available": True, "status": "open"})
for i in range(300):
    p = call("POST", "/v1/participants", {"case_reference": f"B-{i:04d}", "seeking": True, "home_kommunkod": "0580",
             "hours_per_week": 10 + i % 20, "gender": "kvinna", "wished_occupations": ["5120"]})["id"]
    call("POST", f"/v1/participants/{p}/consents", {"purpose": "matching", "given_on": "2026-01-10"})
for _ in range(600):
    page = call("GET", "/v1/suggestions?state=proposed&limit=200")
    if len(page["items"]) >= 200: break
    time.sleep(0.5)
PY
sleep 5

run() { wrk -t2 -c16 -d10s --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$1" 2>&1; }
figures() {  # requests/s, p50 ms, p99 ms from wrk's output
  python3 -c '
import re, sys
t = sys.stdin.read()
def ms(v, u): return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", t); p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", t)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(f"{rps:.0f} {ms(*p50.groups()):.2f} {ms(*p99.groups()):.2f} {non2xx.group(1) if non2xx else 0}")'
}
read -r H_RPS H_P50 H_P99 H_BAD < <(run /healthz | figures)
read -r S_RPS S_P50 S_P99 S_BAD < <(run "/v1/suggestions?state=proposed&limit=50" | figures)
RATIO=$(python3 -c "print(f'{$S_RPS / $H_RPS:.3f}')")
printf "%-45s %10s %9s %9s %8s\n" route "req/s" "p50 ms" "p99 ms" "non-2xx"
printf "%-45s %10s %9s %9s %8s\n" /healthz "$H_RPS" "$H_P50" "$H_P99" "$H_BAD"
printf "%-45s %10s %9s %9s %8s\n" "/v1/suggestions?state=proposed&limit=50" "$S_RPS" "$S_P50" "$S_P99" "$S_BAD"
echo "suggestions / healthz: $RATIO"
echo "{\"healthz_rps\": $H_RPS, \"healthz_p50_ms\": $H_P50, \"healthz_p99_ms\": $H_P99, \"suggestions_rps\": $S_RPS, \"suggestions_p50_ms\": $S_P50, \"suggestions_p99_ms\": $S_P99, \"ratio\": $RATIO}"
