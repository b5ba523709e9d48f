#!/bin/sh
# kvmsim apicv: the command line (usage errors exit 2 with one line on stderr, --json),
# the changelog scenarios' QEMU `info lapic` lines and the explorer's verdicts.
# Expected lines: scenario 1/2 without the fix end with 236 stuck in ISR and 37, 236
# waiting in IRR (see tests/arch/x86/kvm/test_apicv.c for the derivation); with v2 or
# sean the final ISR and IRR are empty.
set -u
K=${KVMSIM:-build/kvmsim}
fail=0
out=$(mktemp); err=$(mktemp); trap 'rm -f "$out" "$err"' EXIT
TAB=$(printf '\t')

check() { # name expected-status command...
	name=$1; want=$2; shift 2
	"$@" >"$out" 2>"$err"; got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL $name: exit $got, want $want"; cat "$out" "$err"; fail=1
	fi
}
expect_out() { grep -q -- "$1" "$out" || { echo "FAIL $name: stdout lacks '$1'"; cat "$out"; fail=1; }; }
one_line_err() { [ "$(wc -l <"$err")" -eq 1 ] || { echo "FAIL $name: stderr not one line"; cat "$err"; fail=1; }; }
final() { sed -n '/^final$/,$p' "$out"; }

check help 0 "$K" apicv --help
expect_out "usage: kvmsim apicv"
for bad in "" "scenario9" "explore --depth 65" "explore --depth x" "scenario1 --fix v3" \
	   "explore --vectors 7" "explore --vectors 236,236" "scenario1 --depth 3" \
	   "explore --nested-refresh maybe" "explore --fix" "explore --eoi-exit 300"; do
	# shellcheck disable=SC2086
	check "usage '$bad'" 2 "$K" apicv $bad
	one_line_err
done

for s in 1 2; do
	check "scenario$s none" 0 "$K" apicv scenario$s
	final | grep -q "^ISR${TAB} 236 $" || { echo "FAIL scenario$s none: ISR"; cat "$out"; fail=1; }
	final | grep -q "^IRR${TAB} 37 236 $" || { echo "FAIL scenario$s none: IRR"; cat "$out"; fail=1; }
	expect_out "result: stuck-isr"
	for f in v2 sean; do
		check "scenario$s $f" 0 "$K" apicv scenario$s --fix $f
		final | grep -q "^ISR${TAB} (none)$" || { echo "FAIL scenario$s $f: ISR"; cat "$out"; fail=1; }
		final | grep -q "^IRR${TAB} (none)$" || { echo "FAIL scenario$s $f: IRR"; cat "$out"; fail=1; }
		expect_out "result: clean"
	done
done
check "nested v2 direct" 0 "$K" apicv nested --fix v2 --nested-refresh direct
expect_out "result: clean"
check "nested v2 request" 0 "$K" apicv scenario3 --fix v2
expect_out "result: vector-never-delivered"

# the scenario-file key [kvm] apicv_svi_fix (other sections and [kvm] keys are ignored)
ini=$(mktemp)
printf '[host]\ncpus = 4\n[kvm]\nple_gap = 128\napicv_svi_fix = sean\n' >"$ini"
check "scenario file" 0 "$K" apicv scenario2 --scenario "$ini"
expect_out "apicv_svi_fix = sean"
expect_out "result: clean"
printf '[kvm]\napicv_svi_fix = v9\n' >"$ini"
check "scenario file bad value" 2 "$K" apicv scenario2 --scenario "$ini"
one_line_err
grep -q ":2: kvm.apicv_svi_fix" "$err" || { echo "FAIL: no file:line"; cat "$err"; fail=1; }
rm -f "$ini"
check "missing scenario file" 1 "$K" apicv scenario2 --scenario /nonexistent/x.ini
check "set" 0 "$K" apicv scenario1 --set kvm.apicv_svi_fix=v2
expect_out "result: clean"
check "set unknown" 2 "$K" apicv scenario1 --set kvm.nope=1
one_line_err

check "scenario1 json" 0 "$K" apicv scenario1 --json
expect_out '"result": "stuck-isr"'
expect_out '"apicv_svi_fix": "none"'

check "explore none" 0 "$K" apicv explore --depth 10
expect_out "violation: stuck-isr; shortest counterexample: 3 events"
check "explore v2" 0 "$K" apicv explore --fix v2 --nested-refresh direct --depth 12
expect_out "no violation"
expect_out "complete to depth 12"
check "explore json" 0 "$K" apicv explore --fix sean --nested-refresh direct --depth 12 --json
expect_out '"violation": "none"'
expect_out '"depth_done": 12'
exit $fail
