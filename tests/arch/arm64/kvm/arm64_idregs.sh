#!/bin/sh
# kvmsim arm64-idregs: the steal_time scenario fails before the fix (KVM_RUN on vCPU 1
# returns -EIO, VM dead) and passes after; --help, --json and usage errors.
set -u
fail() { echo "FAIL: $*"; exit 1; }
K=${KVMSIM:?}

$K arm64-idregs --help | grep -q '^usage: kvmsim arm64-idregs' || fail "--help"
out=$($K arm64-idregs) || fail "default run exit $?"
echo "$out" | grep -q '^variant 50e7cce  FAIL: KVM_RUN on vCPU 1 returned -EIO' || fail "before: $out"
echo "$out" | grep -q '^variant fixed    PASS' || fail "after: $out"

js=$($K arm64-idregs --json --variant before) || fail "json exit"
echo "$js" | grep -q '"vm_dead": true' || fail "json vm_dead"
echo "$js" | grep -q '"errno": "EIO"' || fail "json errno"
js=$($K arm64-idregs --json --variant after)
echo "$js" | grep -q '"passed": true' || fail "json after passed"
# byte-identical reruns
[ "$($K arm64-idregs --json)" = "$($K arm64-idregs --json)" ] || fail "nondeterministic"

for bad in "--vcpus 0" "--variant nope" "--irqchip x" "--host m1" "--runs x" "--bogus" "extra"; do
	err=$($K arm64-idregs $bad 2>&1 >/dev/null); rc=$?
	[ $rc -eq 2 ] || fail "'$bad' exit $rc"
	[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "'$bad' message not one line: $err"
done
$K arm64-idregs --variant nope 2>&1 | grep -q -- "--variant" || fail "message names the option"
echo ok
