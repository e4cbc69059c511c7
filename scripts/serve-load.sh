#!/usr/bin/env bash
# A bounded load check of `warrant serve` on loopback: ApacheBench sends a
# fixed number of hook calls (one FHIR fixture's prefetch, 16 at a time),
# twice, and the script fails if any request failed or was not answered
# 200, or if the server's resident memory grew by more than a tenth
# between the two rounds. Prints requests per second, p50/p99 latency and
# peak RSS for BENCHMARKS.md. Not part of CI: figures need an idle machine.
#
#   scripts/serve-load.sh [REQUESTS] [CONCURRENCY]     # default 20000 16
#
# Needs `ab` (Debian: apt install apache2-utils) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

requests="${1:-20000}"
concurrency="${2:-16}"
command -v ab >/dev/null || { echo "serve-load: needs ab (apt install apache2-utils)" >&2; exit 2; }

cargo build --release --locked -p warrant-serve
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

# The hook call: low_ferritin_sertraline's Bundle as a client prefetches it.
python3 - tests/fixtures/fhir/low_ferritin_sertraline.json >"$work/request.json" <<'PY'
import json, sys
bundle = json.load(open(sys.argv[1]))
prefetch = {}
for entry in bundle["entry"]:
    resource = entry["resource"]
    if resource["resourceType"] == "Patient":
        resource["id"] = "p1"
        prefetch["patient"] = resource
    else:
        search = prefetch.setdefault(resource["resourceType"], {"resourceType": "Bundle", "type": "searchset", "entry": []})
        search["entry"].append({"resource": resource})
json.dump({"hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
           "context": {"userId": "Practitioner/1", "patientId": "p1"}, "prefetch": prefetch}, sys.stdout)
PY

target/release/warrant-serve --port 0 --today 2026-11-29 2>"$work/log" &
server=$!
for _ in $(seq 50); do grep -q listening "$work/log" && break; sleep 0.1; done
address=$(sed -n 's/.*"address":"\([^"]*\)".*/\1/p' "$work/log" | head -1)
url="http://$address/cds-services/warrant-patient-view"
rss() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }

round() {
    ab -q -n "$requests" -c "$concurrency" -p "$work/request.json" -T application/json "$url" >"$work/ab.txt"
    local failed non2xx
    failed=$(awk '/^Failed requests:/ {print $3}' "$work/ab.txt")
    non2xx=$(awk '/^Non-2xx responses:/ {print $3}' "$work/ab.txt")
    if [ "${failed:-0}" != 0 ] || [ -n "${non2xx:-}" ]; then
        cat "$work/ab.txt" >&2
        echo "serve-load: $failed failed, ${non2xx:-0} not 200" >&2
        exit 1
    fi
}

round
after_first=$(rss)
round
after_second=$(rss)
peak=$(awk '/^VmHWM/ {print $2}' "/proc/$server/status")
rps=$(awk '/^Requests per second:/ {print $4}' "$work/ab.txt")
p50=$(awk '$1 == "50%" {print $2}' "$work/ab.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/ab.txt")
bytes=$(awk '/^Document Length:/ {print $3}' "$work/ab.txt")
echo "serve-load: $requests requests x 2 rounds, $concurrency at a time, $bytes-byte answers, no error"
echo "serve-load: $rps requests/s, p50 ${p50} ms, p99 ${p99} ms (second round)"
echo "serve-load: RSS ${after_first} KiB after round 1, ${after_second} KiB after round 2, peak ${peak} KiB"
if [ "$after_second" -gt $((after_first + after_first / 10)) ]; then
    echo "serve-load: memory grew by more than a tenth between rounds" >&2
    exit 1
fi
kill -TERM "$server"
wait "$server"
