#!/bin/sh
# The application-like workloads in the timed model (kvmsim run on
# scenarios/workloads/*.ini, shortened): each runs, both VMs do work, the CSV's vm rows
# name the workload; the same seed gives the same CSV twice; a wrong workload key is
# refused with a message naming it.

set -u
K=${KVMSIM:-build/kvmsim}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
S="--set host.duration=300ms --set host.warmup=50ms"

for w in dbench dedup vips blackscholes ferret kbuild; do
	"$K" run scenarios/workloads/$w.ini $S --csv >"$tmp/$w.csv" 2>"$tmp/e" ||
		fail "$w: $(cat "$tmp/e")"
	n=$(awk -F, -v w=$w '$2 == w && $4 > 0 { n++ } END { print n + 0 }' "$tmp/$w.csv")
	[ "$n" = 2 ] || fail "$w: expected 2 VMs with throughput > 0, got $n"
done

# determinism: the same seed, the same figures (wall-clock fields are not in the CSV)
"$K" run scenarios/workloads/dedup.ini $S --csv >"$tmp/again.csv" || fail "dedup again"
cmp -s "$tmp/dedup.csv" "$tmp/again.csv" || fail "dedup: two runs with one seed differ"

"$K" run scenarios/workloads/vips.ini $S --set vm.g.workload.tilez=3 >/dev/null 2>"$tmp/e" &&
	fail "unknown workload key accepted"
grep -q 'workload.tilez = 3: unknown key for workload vips' "$tmp/e" ||
	fail "unknown key message: $(cat "$tmp/e")"
"$K" run scenarios/workloads/dedup.ini $S --set vm.g.workload.threads=0 >/dev/null 2>"$tmp/e" &&
	fail "dedup threads = 0 accepted"
grep -q 'workload.threads = 0' "$tmp/e" || fail "threads message: $(cat "$tmp/e")"
exit 0
