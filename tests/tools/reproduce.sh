#!/bin/sh
# kvmsim reproduce: usage errors (exit 2, one line), --help, and on a tiny matrix
# (vips, 2 VMs, seed-v1, 2 seeds, 300 ms runs): the --json shape (python3 -m json.tool),
# results.{csv,json,png} in --out, and the same bytes for --jobs 1 and --jobs 2.
set -u
K=${KVMSIM:-build/kvmsim}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$K" reproduce --help | grep -q '^usage: kvmsim reproduce' || fail "--help"
for args in "--bogus" "--seeds 0" "--seeds x" "--jobs 0" "--vms 0" "--vms 2,x" \
	"--policy nosuch" "--policy baseline" "--json --csv" "extra" \
	"--set host.nosuch=1" "--base /nonexistent.ini" "--workload dbench --seeds"; do
	# shellcheck disable=SC2086
	"$K" reproduce $args --out "$tmp/u" >/dev/null 2>"$tmp/e"
	rc=$?
	[ $rc -eq 2 ] || fail "reproduce $args: exit 2 expected, got $rc"
	[ "$(wc -l <"$tmp/e")" -eq 1 ] || fail "reproduce $args: one line expected: $(cat "$tmp/e")"
done

tiny="--workload vips --vms 2 --policy seed-v1 --seeds 2 --set host.duration=300ms --set host.warmup=100ms"
# shellcheck disable=SC2086
"$K" reproduce $tiny --jobs 1 --json --out "$tmp/j1" >"$tmp/j1.json" 2>"$tmp/e"
rc=$?
if [ $rc -ne 0 ] && grep -q 'the run has no VMs\|unknown workload' "$tmp/e"; then
	echo "SKIP: the engine or the vips workload is not there yet: $(tail -1 "$tmp/e")"
	exit 0
fi
[ $rc -eq 0 ] || fail "tiny run: exit $rc: $(cat "$tmp/e")"
grep -q '\[2/4\]' "$tmp/e" || fail "no progress on stderr: $(cat "$tmp/e")"
python3 -m json.tool "$tmp/j1.json" >/dev/null || fail "--json is not JSON"
python3 - "$tmp/j1.json" <<'PY' || fail "--json shape"
import json, sys
d = json.load(open(sys.argv[1]))
cells = d["cells"]
assert len(cells) == 1, cells
c = cells[0]
for k in ("workload", "vms", "policy", "gain_pct", "ci95_pct", "baseline_throughput",
          "throughput", "seeds", "published_pct", "mechanisms", "baseline_mechanisms"):
    assert k in c, k
assert (c["workload"], c["vms"], c["policy"], c["seeds"]) == ("vips", 2, "seed-v1", 2), c
assert c["published_pct"] == 26.2
assert c["baseline_throughput"] > 0 and c["throughput"] > 0
for k in ("ple_exits_per_s", "spin_pct", "ipi_latency_p50_us", "ipi_latency_p99_us",
          "yields_per_s", "halts_per_s"):
    assert k in c["mechanisms"], k
assert set(c["mechanisms"]["yields_per_s"]) == {"esrch", "fail", "ok"}
assert d["setup"]["cpus"] == 16 and d["setup"]["vcpus_per_vm"] == 16
PY
for f in results.csv results.json results.png; do
	[ -s "$tmp/j1/$f" ] || fail "--out lacks $f"
done
cmp -s "$tmp/j1.json" "$tmp/j1/results.json" || fail "stdout --json differs from results.json"
[ "$(wc -l <"$tmp/j1/results.csv")" -eq 2 ] || fail "results.csv: header + 1 cell expected"

# the same results whatever --jobs is
# shellcheck disable=SC2086
"$K" reproduce $tiny --jobs 2 --json --out "$tmp/j2" >"$tmp/j2.json" 2>"$tmp/e" ||
	fail "--jobs 2: $(cat "$tmp/e")"
cmp -s "$tmp/j1.json" "$tmp/j2.json" || fail "--json differs between --jobs 1 and 2"
cmp -s "$tmp/j1/results.csv" "$tmp/j2/results.csv" || fail "results.csv differs between --jobs 1 and 2"
# shellcheck disable=SC2086
"$K" reproduce $tiny --jobs 2 --out "$tmp/t" >"$tmp/table" 2>/dev/null || fail "table run"
grep -q 'published' "$tmp/table" || fail "the table lacks the published column"
grep -q "+26.2 %" "$tmp/table" || fail "the table lacks vips published figure"
echo "ok"
