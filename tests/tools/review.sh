#!/bin/sh
# kvmsim run with [policy] yield on the review scenarios: every policy name runs (with
# the invariant checker), the fairness figures are in the table, JSON and CSV, the seed
# with vcpu_debooster_enabled = 0 prints the baseline's CSV byte for byte, and a bad
# policy name is a usage error.
set -u
K=${KVMSIM:-build/kvmsim}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
R=scenarios/review/reviewer-cgroups.ini
S="--set host.duration=3s --set host.warmup=500ms"

for p in baseline seed-v1 seed-v1-sched seed-v1-kvm seed-v2 lag-credit-v3 prateek ishiguro \
	borntraeger segall-swap next-buddy; do
	"$K" run $R $S --check --set policy.yield=$p >"$tmp/t" 2>"$tmp/e" || fail "$p: $(cat "$tmp/e")"
	grep -q '^fairness: Jain index' "$tmp/t" || fail "$p: no fairness line"
	grep -q '^CG0 ' "$tmp/t" || fail "$p: no cgroup section"
done

"$K" run $R $S --json --set policy.yield=seed-v1 >"$tmp/j" || fail "--json"
for k in '"fair_share"' '"longest_wait_ns"' '"cgroups"' '"jain_tasks"' '"jain_cgroups"' \
	'"longest_wait_task"' '"yield_policy"' '"penalty_ns"'; do
	grep -q "$k" "$tmp/j" || fail "--json lacks $k"
done

"$K" run $R $S --csv --set policy.yield=baseline >"$tmp/b.csv" || fail "--csv baseline"
head -1 "$tmp/b.csv" | grep -q '^kind,name,cgroup,cpu_share,fair_share,' || fail "CSV header"
grep -q '^cgroup,CG0,,' "$tmp/b.csv" || fail "CSV cgroup row"
grep -q '^metric,jain_cgroups,' "$tmp/b.csv" || fail "CSV metric row"
for p in seed-v1 seed-v2; do
	"$K" run $R $S --csv --set policy.yield=$p --set sched.vcpu_debooster_enabled=0 >"$tmp/s.csv" ||
		fail "--csv $p"
	cmp -s "$tmp/b.csv" "$tmp/s.csv" || fail "$p with the debooster off differs from baseline"
	"$K" run $R $S --csv --set policy.yield=$p >"$tmp/s.csv" || fail "--csv $p on"
	cmp -s "$tmp/b.csv" "$tmp/s.csv" && fail "$p with the debooster on is the baseline"
done

"$K" run $R --set policy.yield=nonesuch >/dev/null 2>"$tmp/e"
[ $? -eq 2 ] || fail "unknown policy: exit 2 expected"
exit 0
