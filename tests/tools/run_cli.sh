#!/bin/sh
# kvmsim run: --help, usage errors, bad scenarios (one "FILE:LINE:" message naming the key,
# exit 2), determinism of --json, the --csv header and rows, and a --trace that is valid
# JSON.
set -u
K=${KVMSIM:-build/kvmsim}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
S=scenarios/validation/nice-mix.ini
SHORT="--set host.duration=1500ms --set host.warmup=500ms"

# --help: usage on stdout, exit 0
"$K" run --help >"$tmp/o" 2>"$tmp/e" || fail "run --help: exit $?"
grep -q '^usage: kvmsim run SCENARIO' "$tmp/o" || fail "run --help: no usage line"
[ -s "$tmp/e" ] && fail "run --help wrote to stderr"

# usage errors: exit 2, one line on stderr, nothing on stdout
usage_error() {	# WHAT PATTERN ARGS...
	what=$1 pat=$2; shift 2
	"$K" run "$@" >"$tmp/o" 2>"$tmp/e"; rc=$?
	[ $rc -eq 2 ] || fail "$what: exit 2 expected, got $rc"
	[ "$(wc -l <"$tmp/e")" -eq 1 ] || fail "$what: one line on stderr expected: $(cat "$tmp/e")"
	[ -s "$tmp/o" ] && fail "$what: wrote to stdout"
	grep -q -- "$pat" "$tmp/e" || fail "$what: message lacks '$pat': $(cat "$tmp/e")"
}
usage_error "no SCENARIO" 'SCENARIO'
usage_error "unknown option" "'--frobnicate'" "$S" --frobnicate
usage_error "--json with --csv" 'exclude' "$S" --json --csv
usage_error "bad --seed" '--seed abc' "$S" --seed abc
usage_error "bad --set key" '^--set: \[host\] bogus' "$S" --set host.bogus=1
usage_error "bad --set value" '^--set: \[host\] cpus = x' "$S" --set host.cpus=x

# bad scenarios: FILE:LINE: and the key (or the section), exit 2
bad() {	# NAME LINE PATTERN CONTENT
	printf "$4" >"$tmp/$1.ini"
	usage_error "$1" "^$tmp/$1.ini:$2: .*$3" "$tmp/$1.ini"
}
bad unknown-key 3 '\[host\] bogus: unknown key' '[host]\ncpus = 2\nbogus = 1\n'
bad bad-value 2 '\[host\] cpus = many: expected an integer' '[host]\ncpus = many\n'
bad out-of-range 2 '\[host\] hz = 7: must be in 100..1000' '[host]\nhz = 7\n'
bad bad-duration 3 '\[task t\] run = 5 parsecs: expected a duration' \
	'[task t]\nbehavior = periodic\nrun = 5 parsecs\n'
bad unknown-section 2 '\[frob\]: unknown section' '; a comment\n[frob]\n'
bad cpu-out-of-range 4 '\[task a\] cpus: CPU 5 out of range' '[host]\ncpus = 2\n[task a]\ncpus = 5\n'
bad no-such-cgroup 2 '\[task a\] cgroup = g: no such cgroup' '[task a]\ncgroup = g\n'
bad syntax 2 'syntax error' '[host]\nthis line has no equals sign\n'
# a missing file: "FILE: cannot open", exit 2 as for any scenario that does not load
usage_error "missing file" "^$tmp/none.ini: cannot open" "$tmp/none.ini"

# determinism: the same scenario and seed twice give the same JSON once wall_s is removed
# (nice-unpinned: two CPUs, so the load balancer runs too)
for f in "$S" scenarios/validation/nice-unpinned.ini scenarios/validation/unpinned-3hogs.ini; do
	for i in 1 2; do
		"$K" run "$f" $SHORT --json --seed 42 >"$tmp/j$i" || fail "$f --json: exit $?"
		grep -v '"wall_s"' "$tmp/j$i" >"$tmp/n$i"
	done
	cmp -s "$tmp/n1" "$tmp/n2" || fail "$f: two runs with seed 42 differ"
	grep -q '"wall_s"' "$tmp/j1" || fail "$f --json: no wall_s"
	# host-only scenarios: the seed only shapes the timeline treaps, so another seed gives
	# the same figures (docs/model/sched.md, "The seed")
	"$K" run "$f" $SHORT --json --seed 43 | grep -v '"wall_s"' >"$tmp/n3"
	cmp -s "$tmp/n1" "$tmp/n3" || fail "$f: seed 43 differs from seed 42 (see docs/model/sched.md)"
done

# --csv: the header, then one row per task, each with the header's number of fields
"$K" run "$S" $SHORT --csv >"$tmp/c" || fail "--csv: exit $?"
head -1 "$tmp/c" | grep -q '^kind,name,cgroup,cpu_share,fair_share,runtime_ns,wait_p50_ns,wait_p99_ns,wait_max_ns,' ||
	fail "--csv header: $(head -1 "$tmp/c")"
[ "$(grep -c '^task,' "$tmp/c")" -eq 3 ] || fail "--csv: 3 task rows expected"
for n in n0 n5 nm5; do grep -q "^task,$n," "$tmp/c" || fail "--csv: no row for $n"; done
awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' "$tmp/c" ||
	fail "--csv: rows with another number of fields than the header"

# --trace FILE: Chrome trace-event JSON; the report still goes to stdout
"$K" run "$S" $SHORT --trace "$tmp/t.json" >"$tmp/o" || fail "--trace: exit $?"
grep -q '^n0 ' "$tmp/o" || fail "--trace: no table on stdout"
[ -s "$tmp/t.json" ] || fail "--trace: empty file"
grep -q '"traceEvents"' "$tmp/t.json" || fail "--trace: no traceEvents"
if command -v python3 >/dev/null 2>&1; then
	python3 -m json.tool "$tmp/t.json" >/dev/null 2>"$tmp/e" || fail "--trace: not JSON: $(cat "$tmp/e")"
	python3 -m json.tool "$tmp/j1" >/dev/null 2>"$tmp/e" || fail "--json: not JSON: $(cat "$tmp/e")"
else
	echo "note: no python3, the JSON syntax of --trace and --json is not checked"
fi
"$K" run "$S" $SHORT --trace "$tmp/no/such/dir/t.json" >/dev/null 2>"$tmp/e"; rc=$?
[ $rc -eq 1 ] || fail "--trace into a missing directory: exit 1 expected, got $rc"
grep -q 'cannot create' "$tmp/e" || fail "--trace into a missing directory: $(cat "$tmp/e")"
echo "ok"
