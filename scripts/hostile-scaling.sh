#!/usr/bin/env bash
# Time and peak memory of `warrant` on each hostile input of issue 18, at
# two sizes a factor of four apart: linear work takes about four times as
# long at the larger size, and memory stays within the stated bounds.
# Run on an idle machine; results go in BENCHMARKS.md ("Hostile input").
#   scripts/hostile-scaling.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
warrant="$PWD/target/release/warrant"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export WARRANT_TODAY=2026-11-29

kb() { # a knowledge base in $work/$1 with the rule text on stdin
    mkdir -p "$work/$1/rules" "$work/$1/evidence"
    cat >"$work/$1/rules/a.warrant"
    printf -- '- id: source\n  kind: cohort\n  title: A study\n  year: 2020\n  finding: Found.\n  certainty: low\n  verification: verified\n' \
        >"$work/$1/evidence/a.yaml"
}

measure() { # label size command...
    local label="$1" size="$2"
    shift 2
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || true
    read -r seconds kilobytes < <(tail -n 1 "$work/time")
    printf '| %s | %s | %s s | %s MB | %s |\n' "$label" "$size" "$seconds" "$((kilobytes / 1024))" \
        "$(grep -o -m1 -E '(error|warning)\[[EW][0-9]+\]' "$work/stderr" || echo ok)"
}

echo '| input | size | time | peak memory | outcome |'
echo '|---|---:|---:|---:|---|'

for n in 10000 40000; do
    python3 -c "
print('age: 40\nsupplements:')
for i in range($n): print('  - {name: supplement_%d, dose: 100, unit: mg, time: evening}' % (i % 7))
" >"$work/supplements.yaml"
    measure "profile listing N supplements, \`plan --max-list-items N\`" "$n" \
        "$warrant" plan --max-list-items "$n" "$work/supplements.yaml"
done

for n in 10000 40000; do
    python3 -c "print('input x: flag \"X\"\nrecommend r \"R\" when ' + 'not ' * $n + 'x strength conditional cite source supports')" | kb nots
    measure "condition of N \`not\`s, \`check\`" "$n" "$warrant" check --rules "$work/nots/rules" --evidence "$work/nots/evidence"
done

for n in 5000 20000; do
    python3 -c "
print('input x: flag \"X\"\nderive d0 \"d\" when x')
for i in range(1, $n): print('derive d%d \"d\" when d%d' % (i, i - 1))
print('recommend r \"R\" when d%d strength conditional cite source supports' % ($n - 1))
" | kb chain
    measure "chain of N derived facts, \`check\`" "$n" "$warrant" check --rules "$work/chain/rules" --evidence "$work/chain/evidence"
done

for n in 2500 10000; do
    echo 'input x: flag "X"
inform i "I" when x cite source supports' | kb records
    python3 -c "
for i in range($n): print('- id: record_%d\n  kind: cohort\n  title: Study %d\n  year: 2020\n  finding: Found.\n  certainty: low\n  verification: verified' % (i, i))
" >"$work/records/evidence/many.yaml"
    measure "N evidence records, \`check\`" "$n" "$warrant" check --rules "$work/records/rules" --evidence "$work/records/evidence"
done

for n in 25000 100000; do
    python3 -c "
print('labs:')
for i in range($n): print('  lab%d: {value: 1, unit: ng/mL}' % i)
" >"$work/labs.yaml"
    measure "N unknown labs, \`explain --max-list-items N\`" "$n" "$warrant" explain --max-list-items "$n" "$work/labs.yaml"
done

for n in 5000 20000; do
    python3 -c "
import json
print(json.dumps({'labs': {'lab%d' % i: {'value': 1, 'unit': 'ng/mL'} for i in range($n)}}))
" >"$work/labs.json"
    measure "N unknown labs on one JSON line, \`explain --max-list-items N\`" "$n" "$warrant" explain --max-list-items "$n" "$work/labs.json"
done

for mb in 256 1024; do
    { echo '{"age": 40}'; printf '{"name": "'; head -c $((mb * 1024 * 1024)) /dev/zero | tr '\0' a; echo '"}'; echo '{"age": 50}'; } \
        >"$work/batch.jsonl"
    measure "batch with one line of N MiB" "$mb" "$warrant" batch "$work/batch.jsonl"
done

for n in 25000 100000; do
    python3 -c "
for i in range(50): print('input x%d: flag \"X%d\"' % (i, i))
print('recommend r \"R\" when ' + ' and '.join('x%d' % (i % 50) for i in range($n)) + ' strength conditional cite source supports')
" | kb conjunction
    measure "conjunction of N terms, \`lint\`" "$n" "$warrant" lint --rules "$work/conjunction/rules" --evidence "$work/conjunction/evidence"
done

for mb in 256 1024; do
    head -c $((mb * 1024 * 1024)) /dev/zero >"$work/zeros"
    measure "N MiB of zeros on stdin, \`explain -\`" "$mb" sh -c "\"$warrant\" explain - < \"$work/zeros\""
done
