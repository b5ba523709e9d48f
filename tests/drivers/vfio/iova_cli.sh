#!/bin/sh
# kvmsim iova: the command line (usage errors, --json shape, allocation failure, --device).
# Run from the repository root with $KVMSIM set to the tool. Expected values are derived in
# the comments.
set -u
K=${KVMSIM:-build/kvmsim}
fail=0
out=$(mktemp); err=$(mktemp); trap 'rm -f "$out" "$err"' EXIT

check() { # name expected-status command...
	name=$1; want=$2; shift 2
	"$@" >"$out" 2>"$err"; got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL $name: exit $got, want $want"; cat "$out" "$err"; fail=1
	fi
}
expect_out() { grep -q -- "$1" "$out" || { echo "FAIL $name: stdout lacks '$1'"; cat "$out"; fail=1; }; }
expect_err() { grep -q -- "$1" "$err" || { echo "FAIL $name: stderr lacks '$1'"; cat "$err"; fail=1; }; }
one_line_err() { [ "$(wc -l <"$err")" -eq 1 ] || { echo "FAIL $name: stderr not one line"; cat "$err"; fail=1; }; }

check help 0 "$K" iova --help
expect_out "usage: kvmsim iova"
expect_out "--allocator"

# usage errors: exit 2, one line naming the argument
check bad-range 2 "$K" iova --range 5-4 --alloc 4K;        one_line_err; expect_err "5-4"
check bad-range2 2 "$K" iova --range 0x1000 --alloc 4K;    one_line_err; expect_err "0x1000"
check huge-range 2 "$K" iova --range 0-0x10000000000000000; one_line_err; expect_err "2^64"
check overlap 2 "$K" iova --range 0-0x1fff 0x1000-0x2fff;  one_line_err; expect_err "overlap"
check not-pow2 2 "$K" iova --range 0-0xffff --alloc 3000;  one_line_err; expect_err "3000"
check bad-size 2 "$K" iova --range 0-0xffff --alloc 4X;    one_line_err; expect_err "4X"
check bad-alloc 2 "$K" iova --range 0-0xffff --allocator best; one_line_err; expect_err "best"
check unknown 2 "$K" iova --range 0-0xffff --frobnicate;   one_line_err; expect_err "frobnicate"
check none 2 "$K" iova --alloc 4K;                         one_line_err; expect_err "--range or --device"
check both 2 "$K" iova --range 0-1 --device /dev/iommu;    one_line_err
check free-series 2 "$K" iova --range 0-0xffff --alloc 4K --free 0; one_line_err; expect_err "reuse"
check free-early 2 "$K" iova --range 0-0xffff --allocator reuse --free 0 --alloc 4K; one_line_err
check free-twice 2 "$K" iova --range 0-0xffff --allocator reuse --alloc 4K --free 0 0; one_line_err

# --json with the field names of issue 10. 39-bit IOMMU with the MSI hole; 4K at 0, 2M at 2M
# (0x1000 rounded up to 0x200000), 1G at 1G (0x400000 rounded up), 4K at 2G (0x80000000).
check json 0 "$K" iova --range 0xfef00000-0x7fffffffff 0-0xfedfffff --alloc 4K 2M 1G 0x1000 --json
if command -v jq >/dev/null 2>&1; then
	got=$(jq -c '[.ranges, .allocations, .last_iova]' "$out")
	want='[[{"start":0,"last":4276092927},{"start":4277141504,"last":549755813887}],[{"size":4096,"iova":0},{"size":2097152,"iova":2097152},{"size":1073741824,"iova":1073741824},{"size":4096,"iova":2147483648}],549755813887]'
	[ "$got" = "$want" ] || { echo "FAIL json: $got"; fail=1; }
else
	expect_out '"last_iova": 549755813887'
fi

# a failed allocation: what was allocated is printed, then the error, exit 1.
# [0, 0x3fff]: 4K at 0, 4K at 0x1000, 8K at 0x2000 (ends at range->last), then out of space.
check exhaust 1 "$K" iova --range 0-0x3fff --alloc 4K 4K 8K 4K
expect_out "alloc 0x2000 at 0x2000"
expect_err "out of space"
check exhaust-json 1 "$K" iova --range 0-0x3fff --alloc 4K 4K 8K 4K --json
if command -v jq >/dev/null 2>&1; then
	[ "$(jq '.allocations | length' "$out")" = 3 ] || { echo "FAIL exhaust-json"; fail=1; }
	[ "$(jq -r '.error.alloc' "$out")" = 4K ] || { echo "FAIL exhaust-json error"; fail=1; }
fi

# reuse: free allocation 0 and the next 4K takes its place (0x1000)
check reuse 0 "$K" iova --range 0x1000-0x8fff --allocator reuse --alloc 4K 8K --free 0 --alloc 4K --json
if command -v jq >/dev/null 2>&1; then
	[ "$(jq -c '[.allocations[].iova]' "$out")" = "[4096,8192,4096]" ] || { echo "FAIL reuse"; cat "$out"; fail=1; }
fi

# the model kernels through the real query paths give the same ranges back
check through-type1 0 "$K" iova --range 0-0xfff 0x2000-0x2fff --through type1 --json
expect_out '"start": 8192'
check through-iommufd 0 "$K" iova --range 0-0xfff 0x2000-0x2fff --through iommufd --json
expect_out '"start": 8192'

# --device: a clear message where there is no VFIO container and no /dev/iommu; else the
# query runs (and may fail for lack of permission or a device), never a usage error.
check device 1 "$K" iova --device /dev/vfio/0
if [ ! -e /dev/vfio/vfio ] && [ ! -e /dev/iommu ]; then
	expect_err "no VFIO container"
fi

exit $fail
