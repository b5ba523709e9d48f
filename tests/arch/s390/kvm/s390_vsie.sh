#!/bin/sh
# kvmsim s390-vsie: every phase's shadow entries are right; reuse works in the corrected
# model and fails (-EFAULT, no progress) with the RFC's defects; --help, --json, usage errors.
set -u
fail() { echo "FAIL: $*"; exit 1; }
K=${KVMSIM:?}

$K s390-vsie --help | grep -q '^usage: kvmsim s390-vsie' || fail "--help"
out=$($K s390-vsie) || fail "default run exit $?"
for p in entry cpu-add cpu-remove esca-switch second-config reuse; do
	echo "$out" | grep -q "^== $p:" || fail "phase $p missing"
done
echo "$out" | grep -q MISMATCH && fail "a shadow entry is wrong: $out"
echo "$out" | grep -q '65/65 entries point at the right' || fail "ESCA entries"
echo "$out" | grep -q 'interpreted by the firmware (entry: c=1 scn=0)' || fail "external call"
echo "$out" | grep -q 'a free vsie_sca is reused' || fail "reuse (corrected)"
echo "$out" | grep -q '^== destroy: 0 pages still pinned, 0 host frames' || fail "leak"

rfc=$($K s390-vsie --variant rfc-v2) || fail "rfc exit"
echo "$rfc" | grep -q 'VSIE entry failed: -EFAULT' || fail "rfc reuse should fail"

# straddling and aligned BSCAs, other sizes
for a in "--sca-offset 0" "--sca-offset 0xf00 --cpus 3" "--cpus 40 --g2-vcpus 4" "--entries"; do
	o=$($K s390-vsie $a) || fail "$a exit"
	echo "$o" | grep -q MISMATCH && fail "$a: mismatch"
done
# no shadowing: posted default 0 of the module parameter
$K s390-vsie --vsie-shadow-sca-max 0 | grep -q 'no shadow SCA' || fail "sca_max 0"
$K s390-vsie --no-vsie-sigpif | grep -q 'intercepted (VSIE exit)' || fail "no facility"

js=$($K s390-vsie --json) || fail "json exit"
echo "$js" | grep -q '"ok": false' && fail "json mismatch"
echo "$js" | grep -q '"phase": "esca-switch"' || fail "json phases"
[ "$js" = "$($K s390-vsie --json)" ] || fail "nondeterministic"

for bad in "--cpus 1" "--cpus 64" "--sca-offset 0x1001" "--sca-offset 0x8" "--variant x" \
	"--defects reuse-loop,bogus" "--g2-vcpus 0" "--frob" "extra"; do
	err=$($K s390-vsie $bad 2>&1 >/dev/null); rc=$?
	[ $rc -eq 2 ] || fail "'$bad' exit $rc"
	[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "'$bad' message not one line: $err"
done
$K s390-vsie --sca-offset 0x1001 2>&1 | grep -q -- "--sca-offset" || fail "message names option"
echo ok
