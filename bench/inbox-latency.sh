#!/bin/bash
# How soon a coordinator hears of an employer's offer, beside the queue's own wake-up, in one run
# on one throwaway PostgreSQL with a release matchd: the coordinator holds GET /v1/inbox/stream
# open; the employer opens 200 offers one after another; each latency is from sending the POST to
# the offer.opened event arriving on the stream (the event's commit, the notify.dispatch job's
# wake-up and run, the NOTIFY, the fan-out and the stream's read), and again from the POST's answer
# (the offer committed) to the event. Then `matchctl bench queue`
# measures the queue's commit-to-start wake-up on the same server. Prints p50 and p99 of both and
# the ratio of the p50s; last, one JSON line.
# Usage: bench/inbox-latency.sh   (from the project root; needs the PostgreSQL server programs)
set -u
ROOT=$(pwd)
[[ -f $ROOT/Package.swift ]] || { echo "run from the project root"; exit 2; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $PGBIN/initdb ]] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)"; exit 2; }
TMP=$(mktemp -d -t inbox-latency.XXXXXX); chmod 755 "$TMP"
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
F="Samordningsförbundet Centrala Östergötland"
"$BIN/matchctl" users create --forbund "$F" --name "Kim Koordinator" --email kim@example.se >/dev/null 2>&1 || exit 1
TOKEN=$("$BIN/matchctl" tokens create --role coordinator --forbund "$F" --user kim@example.se 2>/dev/null | tail -n 1)
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$BIN/matchd" --port "$PORT" >"$TMP/matchd.log" 2>&1 & MATCHD=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# The employer, followed by Kim, with a user and token of its own; then the measurement.
PORT=$PORT TOKEN=$TOKEN BIN=$BIN F=$F python3 - <<'PY' > "$TMP/inbox.json" || { echo "the measurement failed"; exit 1; }
import http.client, json, os, socket, statistics, subprocess, time
port = int(os.environ["PORT"])
# One kept-alive connection, as a browser or an integration holds: the figure is the server's, not TCP set-up's.
api = http.client.HTTPConnection("127.0.0.1", port)
def call(method, path, body=None, token=os.environ["TOKEN"]):
    api.request(method, path, body=None if body is None else json.dumps(body),
                headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    response = api.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {data.decode()}")
    return json.loads(data or b"{}")
kim = call("GET", "/v1/me")["user_id"]
employer = call("POST", "/v1/employers", {"organisationsnummer": "212000-0449", "name": "Linköpings kommun", "sector": "public",
                                          "responsible_coordinator_id": kim})["id"]
ctl = [os.environ["BIN"] + "/matchctl"]
subprocess.run(ctl + ["users", "create", "--forbund", os.environ["F"], "--kind", "employer", "--employer", "2120000449",
                      "--name", "Eva", "--email", "eva@example.se"], check=True, capture_output=True)
eva = subprocess.run(ctl + ["tokens", "create", "--role", "employer", "--forbund", os.environ["F"], "--user", "eva@example.se"],
                     check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
stream = socket.create_connection(("127.0.0.1", port))
stream.sendall(f"GET /v1/inbox/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {os.environ['TOKEN']}\r\n\r\n".encode())
buffer = b""
def next_event():
    global buffer
    while True:
        while b"\n\n" in buffer:
            block, buffer = buffer.split(b"\n\n", 1)
            for line in block.split(b"\n"):
                if line.startswith(b"data: "):
                    return json.loads(line[6:])
        buffer += stream.recv(65536)
latencies, after_commit = [], []
for i in range(200):
    start = time.perf_counter()
    offer = call("POST", f"/v1/employers/{employer}/offers", {"type": "praktik", "occupation": "5120", "title": f"Kockbiträde {i}",
                 "hours_min": 10, "hours_max": 30, "start_date": "2027-02-01", "workplace_kommunkod": "0580",
                 "handledare_available": True, "status": "open"}, token=eva)["id"]
    answered = time.perf_counter()
    while True:
        event = next_event()
        if event.get("offer_id") == offer and event.get("type") == "offer.opened":
            break
    arrived = time.perf_counter()
    latencies.append((arrived - start) * 1000)
    after_commit.append((arrived - answered) * 1000)
latencies.sort(); after_commit.sort()
p99 = lambda values: values[int(len(values) * 0.99) - 1]
print(json.dumps({"p50_ms": statistics.median(latencies), "p99_ms": p99(latencies), "committed_p50_ms": statistics.median(after_commit),
                  "committed_p99_ms": p99(after_commit), "offers": len(latencies)}))
PY
QUEUE=$("$BIN/matchctl" bench queue --jobs 2000 --json 2>/dev/null | tail -n 1)
python3 - "$(cat "$TMP/inbox.json")" "$QUEUE" <<'PY'
import json, sys
inbox, queue = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ratio = inbox["p50_ms"] / queue["wakeup_p50_ms"]
print(f"{'measure':<45} {'p50 ms':>9} {'p99 ms':>9}")
print(f"{'offer POST to offer.opened on the stream':<45} {inbox['p50_ms']:>9.2f} {inbox['p99_ms']:>9.2f}")
print(f"{'  of which from the POST answered (committed)':<45} {inbox['committed_p50_ms']:>9.2f} {inbox['committed_p99_ms']:>9.2f}")
print(f"{'queue wake-up (matchctl bench queue)':<45} {queue['wakeup_p50_ms']:>9.2f} {queue['wakeup_p99_ms']:>9.2f}")
print(f"stream p50 / queue wake-up p50: {ratio:.2f}")
print(json.dumps({"stream_p50_ms": round(inbox["p50_ms"], 2), "stream_p99_ms": round(inbox["p99_ms"], 2),
                  "committed_p50_ms": round(inbox["committed_p50_ms"], 2), "committed_p99_ms": round(inbox["committed_p99_ms"], 2),
                  "wakeup_p50_ms": queue["wakeup_p50_ms"], "wakeup_p99_ms": queue["wakeup_p99_ms"], "ratio_p50": round(ratio, 2)}))
PY
