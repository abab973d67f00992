#!/usr/bin/env bash
# benchmarks/golden.sh REPO OUT: a fixed end-to-end flow through the CLI of the photoguard
# tree REPO (another checkout, e.g. `git worktree add /tmp/old REV`); every output, normalised
# (timestamps, ids, record hashes, durations), into OUT. Diff two OUTs to compare versions.
set -uo pipefail
REPO=$(cd "$1" && pwd); OUT=$2
HERE=$(cd "$(dirname "$0")/.." && pwd)  # this checkout: its venv, the fixtures beside it
RUN=${TMPDIR:-/tmp}/photoguard-golden-run; rm -rf "$RUN" "$OUT"; mkdir -p "$RUN/in/trip" "$OUT"
export PYTHONPATH=$REPO PHOTOGUARD_KEY_STORE=file QT_QPA_PLATFORM=offscreen LC_ALL=C.UTF-8 TZ=UTC
PY=${PYTHON:-$HERE/.venv/bin/python}
F=${PHOTOGUARD_FIXTURES:-$HERE/../shared/fixtures}/faces
n=0
pg() { n=$((n+1)); (cd "$REPO" && $PY -m photoguard --home "$RUN/home" "$@") > "$OUT/$(printf %02d $n).out" 2>&1; echo "exit $?" >> "$OUT/$(printf %02d $n).out"; }
printf 'Student ID,Last Name,First Name,Preferred Name,Grade,Homeroom,Privacy Law Opt-Out\r\n1001,Obama,Barry,,5,101,Y\r\n1002,Biden,Joseph,,5,101,N\r\n1003,Harington,Christopher,Kit,4,102,Yes\r\n1004,Leslie,Roseanne,,4,102,\r\n1005,Lacamoire,Alexander,,3,103,No\r\n1006,Miranda,Lin-Manuel,,3,103,X\r\n1007,Nobody,Nemo,,3,103,Y\r\n' > "$RUN/roster.csv"
pg roster import "$RUN/roster.csv"
pg enroll --student 1001 "$F/obama/obama.jpg"
pg enroll --student 1003 "$F/kit_harington/kit1.jpg"
pg enroll --student 1006 "$F/lin_manuel_miranda/lin1.png"
cp "$F"/groups/* "$RUN/in/trip/" 2>/dev/null
cp "$F"/misc/* "$RUN/in/trip/" 2>/dev/null
cp "$F/biden/biden.jpg" "$RUN/in/trip/Joseph Biden at the fair.jpg"
cp "$F/rose_leslie/rose1.jpg" "$RUN/in/trip/rose.jpg"
cp "$F/obama/obama-480p.jpg" "$RUN/in/trip/"
pg scan "$RUN/in/trip" --json "$RUN/r.json" --csv "$RUN/r.csv" --by teacher --workers 1
cp "$RUN/r.json" "$OUT/report.json"; cp "$RUN/r.csv" "$OUT/report.csv"
pg --no-faces scan "$RUN/in/trip" --json "$RUN/r2.json" --by teacher --workers 1
cp "$RUN/r2.json" "$OUT/report-faces-off.json"
pg scan "$RUN/in/trip" --approve --by teacher --workers 1
pg approve --by teacher --reason "parent gave written consent" "$RUN/in/trip/Joseph Biden at the fair.jpg"
pg block --by teacher "$RUN/in/trip/rose.jpg"
pg safe-copy --out "$RUN/safe" --by teacher "$RUN/in/trip"
(cd "$RUN/safe" && find . -type f | sort | while read -r f; do sha256sum "$f"; done) > "$OUT/safe-copies.sha256"
pg log verify
pg log show
pg log export "$RUN/log.csv"; cp "$RUN/log.csv" "$OUT/log.csv"
pg log summary --from 2000-01-01 --to 2100-01-01 --csv "$RUN/s.csv" --html "$RUN/s.html"
cp "$RUN/s.csv" "$OUT/summary.csv"; cp "$RUN/s.html" "$OUT/summary.html"
pg log summary --from 2000-01-01 --to 2100-01-01 --json
pg roster show
pg roster history
$PY - "$RUN/home/photoguard.sqlite" > "$OUT/db-log.txt" <<'PYEOF'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for action, actor, body in con.execute("SELECT action, actor, body FROM audit_log ORDER BY seq"):
    print(action, actor, body)
PYEOF
# normalise what differs between any two runs
find "$OUT" -type f | while read -r f; do
  sed -E -i \
    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(\+00:00|Z)?/<TIME>/g' \
    -e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/<UUID>/g' \
    -e 's/[0-9]+(\.[0-9]+)? ?(s|seconds|ms|min)\b/<DUR>/g' \
    -e 's/(head hash <code>)[0-9a-f]{64}/\1<HEAD>/g' \
    -e 's/"(elapsed|seconds|duration)[a-z_]*": [0-9.]+/"\1": <DUR>/g' \
    "$f"
done
find "$OUT" -type f | while read -r f; do
  sed -E -i -e 's/([Hh]ead[ _]hash"?:? "?)[0-9a-f]{64}/\1<HEAD>/g' "$f"
done
$PY - "$OUT/log.csv" <<'PYEOF'
import csv, sys
p = sys.argv[1]
rows = list(csv.reader(open(p, encoding="utf-8-sig", newline="")))
with open(p, "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    for r in rows:
        w.writerow(r[:-2] + ["<prev>", "<hash>"])
PYEOF
