#!/bin/bash
# Email digests under a rematch, on one throwaway PostgreSQL with a release matchd and the tests'
# SMTP server (Tests/Scripts/smtp_server.py: aiosmtpd, STARTTLS on its own certificate, AUTH):
# five coordinators; each round writes 1 000 suggestions.new events (one suggestion each, 200 per
# coordinator, with their recipients, as EventLog.append writes them) in one transaction, and
# waits for the emails. Prints the emails per round (must be 5: one per coordinator) and the time
# from each digest's window closing (digests.closes_at) to the SMTP server's receipt, p50 and p99.
# Usage: bench/email-digests.sh [ROUNDS]   (from the project root; needs the PostgreSQL server
#        programs and a Python with aiosmtpd: LOTSEN_PYTHON, else ~/.cache/lotsen/venv-tests/bin/python)
set -u
ROUNDS=${1:-20}
ROOT=$(pwd)
[[ -f $ROOT/Package.swift ]] || { echo "run from the project root"; exit 2; }
PY=${LOTSEN_PYTHON:-$HOME/.cache/lotsen/venv-tests/bin/python}
"$PY" -c "import aiosmtpd" 2>/dev/null || { echo "needs a Python with aiosmtpd (LOTSEN_PYTHON; .ci/run makes one)"; exit 2; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $PGBIN/initdb ]] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)"; exit 2; }
TMP=$(mktemp -d -t email-digests.XXXXXX); chmod 755 "$TMP"
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
MATCHD=""; SMTP=""
cleanup() {
  [[ -n $MATCHD ]] && kill "$MATCHD" 2>/dev/null; [[ -n $SMTP ]] && kill "$SMTP" 2>/dev/null; sleep 0.5
  as_pg "$PGBIN/pg_ctl" -D "$TMP/pg" -m immediate stop >/dev/null 2>&1; rm -rf "$TMP"
}
trap cleanup EXIT

mkdir -p "$TMP/pg" "$TMP/smtp"; [[ $(id -u) == 0 ]] && chown postgres "$TMP" "$TMP/pg"
as_pg "$PGBIN/initdb" -D "$TMP/pg" -A trust -U postgres >/dev/null || exit 2
as_pg "$PGBIN/pg_ctl" -D "$TMP/pg" -l "$TMP/pg.log" -w -o "-k $TMP -c listen_addresses=''" start >/dev/null || exit 2
export LOTSEN_DATABASE_URL="postgresql:///postgres?host=$TMP&user=postgres"

# The SMTP server, fed by a pipe it reads to its end (it stops with this script).
mkfifo "$TMP/smtp.in"
"$PY" "$ROOT/Tests/Scripts/smtp_server.py" --dir "$TMP/smtp" --user lotsen --password bench-pass <"$TMP/smtp.in" >"$TMP/smtp.out" 2>"$TMP/smtp.err" &
SMTP=$!
exec 3>"$TMP/smtp.in"
for _ in $(seq 1 100); do grep -q READY "$TMP/smtp.out" 2>/dev/null && break; sleep 0.1; done
SMTP_PORT=$(awk '/READY/ {print $2}' "$TMP/smtp.out")
[[ -n $SMTP_PORT ]] || { echo "the SMTP server did not start: $(cat "$TMP/smtp.err")"; exit 1; }
printf 'bench-pass' >"$TMP/smtp-password"

swift build -c release >/dev/null 2>&1 || { echo "swift build -c release failed"; exit 1; }
BIN=$(swift build -c release --show-bin-path 2>/dev/null)
"$BIN/matchctl" migrate >/dev/null 2>&1 || { echo "matchctl migrate failed"; exit 1; }
"$BIN/matchctl" forbund create "Bänk" >/dev/null 2>&1 || exit 1
for n in 1 2 3 4 5; do
  "$BIN/matchctl" users create --forbund "Bänk" --name "Koordinator $n" --email "k$n@example.se" >/dev/null 2>&1 || exit 1
done
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
LOTSEN_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" LOTSEN_SMTP_USERNAME=lotsen LOTSEN_SMTP_PASSWORD_FILE="$TMP/smtp-password" \
LOTSEN_SMTP_FROM=lotsen@example.se LOTSEN_SMTP_CA_FILE="$TMP/smtp/cert.pem" LOTSEN_NOTIFY_DIGEST_WINDOW_MS=1000 \
LOTSEN_NOTIFY_EMAIL_HOURS="all 00:00-24:00 Europe/Stockholm" LOTSEN_HTTP_PUBLIC_URL="https://lotsen.example.se" \
  "$BIN/matchd" --port "$PORT" >"$TMP/matchd.log" 2>&1 & MATCHD=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

ROUNDS=$ROUNDS TMP=$TMP python3 - <<'PY' || { echo "the measurement failed"; tail -20 "$TMP/matchd.log"; exit 1; }
import glob, json, os, statistics, subprocess, time
tmp, rounds = os.environ["TMP"], int(os.environ["ROUNDS"])
url = os.environ["LOTSEN_DATABASE_URL"]
def sql(text):
    return subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", url, "-c", text], check=True, capture_output=True, text=True).stdout
forbund = sql("SELECT id FROM forbund WHERE name = 'Bänk'").strip()
def messages():
    return sorted(glob.glob(f"{tmp}/smtp/messages/[0-9]*.json"))
counts, latencies = [], []
for _ in range(rounds):
    before = len(messages())
    # 1 000 events, one suggestion each, 200 per coordinator, and the dispatch job: what EventLog.append writes.
    sql(f"""BEGIN;
        INSERT INTO events (forbund_id, type, suggestion_ids, recipients)
        SELECT '{forbund}', 'suggestions.new', ARRAY[gen_random_uuid()], ARRAY[u.id]
        FROM users u CROSS JOIN generate_series(1, 200) WHERE u.forbund_id = '{forbund}';
        INSERT INTO jobs (kind, queue, args) VALUES ('notify.dispatch', 'notify', jsonb_build_object('forbund_id', '{forbund}'));
        SELECT pg_notify('lotsen_jobs', 'notify');
        COMMIT;""")
    deadline = time.time() + 60
    while len(messages()) < before + 5 and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)  # anything more would come within the next window
    new = messages()[before:]
    counts.append(len(new))
    for path in new:
        meta = json.load(open(path))
        raw = open(path[:-5] + ".eml", encoding="utf-8", errors="replace").read()
        digest = raw.split("Message-ID: <digest-", 1)[1].split("@", 1)[0]
        closes = float(sql(f"SELECT EXTRACT(EPOCH FROM closes_at) FROM digests WHERE id = '{digest}'").strip())
        latencies.append((meta["received_at"] - closes) * 1000)
latencies.sort()
p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
print(f"rounds: {rounds}; emails per round of 1 000 suggestions across 5 coordinators: {sorted(set(counts))}")
print(f"window close to SMTP receipt: p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms over {len(latencies)} digests")
print(json.dumps({"rounds": rounds, "emails_per_round": counts, "close_to_receipt_p50_ms": round(statistics.median(latencies), 1),
                  "close_to_receipt_p99_ms": round(p99, 1)}))
PY
