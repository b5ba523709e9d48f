#!/bin/sh
# kvmsim pte / kvmsim pagemap: the command lines (usage errors, --json field names, values
# that depend on the configuration). Run from the repository root with $KVMSIM set to the
# tool. Entry values are derived in the comments from the x86-64 layout:
#   pte(type, off) = type << 59 | (~off & (2^50 - 1)) << 9
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
refute_out() { ! grep -q -- "$1" "$out" || { echo "FAIL $name: stdout has '$1'"; cat "$out"; fail=1; }; }
expect_err() { grep -q -- "$1" "$err" || { echo "FAIL $name: stderr lacks '$1'"; cat "$err"; fail=1; }; }
one_line_err() { [ "$(wc -l <"$err")" -eq 1 ] || { echo "FAIL $name: stderr not one line"; cat "$err"; fail=1; }; }
count_out() { # pattern expected-count
	n=$(grep -c -- "$1" "$out"); [ "$n" -eq "$2" ] || { echo "FAIL $name: '$1' $n times, want $2"; cat "$out"; fail=1; }
}

check help 0 "$K" pte --help
expect_out "usage: kvmsim pte"
check help-pagemap 0 "$K" pagemap --help
expect_out "usage: kvmsim pagemap"

# usage errors: exit 2, one line naming the argument
check bad-hex 2 "$K" pte 12g;                         one_line_err; expect_err "12g"
check empty-0x 2 "$K" pte 0x;                         one_line_err; expect_err "'0x'"
check too-wide 2 "$K" pte 1ffffffffffffffff;          one_line_err; expect_err "1ffffffffffffffff"
check no-value 2 "$K" pte --json;                     one_line_err; expect_err "no entry value"
check bad-opt 2 "$K" pte --frob 1;                    one_line_err; expect_err "frob"
check bad-config 2 "$K" pte --config migration=2 1;   one_line_err; expect_err "migration=2"
check bad-config-key 2 "$K" pte --config foo=1 1;     one_line_err; expect_err "foo=1"
check no-partial 2 "$K" pte 0 zz;                     one_line_err; [ -s "$out" ] && { echo "FAIL no-partial: output before the error"; fail=1; }
check pm-bad 2 "$K" pagemap xyz;                      one_line_err; expect_err "xyz"
check pm-pid-addr 2 "$K" pagemap --pid self;          one_line_err; expect_err "self"
check pm-pte-model 2 "$K" pagemap --pte 1=2;          one_line_err; expect_err "1=2"
check pm-pages 2 "$K" pagemap --pid self --addr 0 --pages 0; one_line_err; expect_err "pages"

# swp_entry(1, 1): 1 << 59 | ~1 in bits 9-58 = 0x0ffffffffffffc00
check swap 0 "$K" pte 0x0ffffffffffffc00
expect_out "swap swap_type=1 offset=0x1"
# 0 and A|D (0x60, the erratum bits) are none; P|RW|U|A|D with PFN 0x12345 is present
check none 0 "$K" pte 0 0x60 0x8000000012345067
count_out " none" 2
expect_out "present pfn=0x12345"

# --json field names and values of a guard marker: pte(31, 4) = 0xfffffffffffff600
check json-guard 0 "$K" pte --json 0xfffffffffffff600
expect_out '"type": "marker"'
expect_out '"swap_type": 31'
expect_out '"offset": 4'
expect_out '"pfn": null'
expect_out '"guard": true'
expect_out '"uffd_marker": false'
for k in value type swap_type offset pfn markers uffd_wp poisoned guard flags exclusive soft_dirty; do
	expect_out "\"$k\":"
done
# uffd-wp marker pte(31, 1) and poison marker pte(31, 2): both are uffd markers (patch 01)
check json-uffd 0 "$K" pte --json 0xfffffffffffffc00 0xfffffffffffffa00
count_out '"uffd_marker": true' 2
expect_out '"poisoned": true'

# swap entry type 0 offset 0x42 with exclusive (bit 3) and soft-dirty (bit 1):
# pte(0, 0x42) | 0xa = 0x07ffffffffff7a0a
check json-flags 0 "$K" pte --json 0x07ffffffffff7a0a
expect_out '"type": "swap"'
expect_out '"offset": 66'
expect_out '"exclusive": true'
expect_out '"soft_dirty": true'
# without CONFIG_MEM_SOFT_DIRTY, bit 1 is not a flag
check json-nosd 0 "$K" pte --json --config mem_soft_dirty=0 0x07ffffffffff7a0a
expect_out '"soft_dirty": false'

# type 24, offset 5: pte(24, 5) = 0xc7fffffffffff400. All options on: SWP_HWPOISON = 24
# (MAX_SWAPFILES 24), PFN 5. Without CONFIG_MEMORY_FAILURE MAX_SWAPFILES is 25: a swap entry.
check hwpoison 0 "$K" pte 0xc7fffffffffff400
expect_out "hwpoison swap_type=24 offset=0x5 pfn=0x5"
check hwpoison-off 0 "$K" pte --config memory_failure=0 0xc7fffffffffff400
expect_out "swap swap_type=24 offset=0x5$"

# migration write (27) of PFN 0x1003 with young (bit 34) and dirty (bit 35):
# pte(27, 0xc00001003) = 0xdfffe7ffffdff800. With LA57 the PFN has 40 bits, so bits 34/35
# are PFN bits and the A/D bits (40, 41) are clear.
check migration 0 "$K" pte 0xdfffe7ffffdff800
expect_out "migration_write swap_type=27 offset=0xc00001003 pfn=0x1003 young dirty"
check migration-la57 0 "$K" pte --config la57=1 0xdfffe7ffffdff800
expect_out "pfn=0xc00001003$"

# PMDs: P|RW|U|A|D|PSE at 2 MiB (PFN 0x200) is a huge present PMD; a migration PMD
# pte(25, 0x200) = 0xcffffffffffbfe00 is a valid softleaf; a swap PMD is not.
check pmd 0 "$K" pte --pmd --json 0x80000000002000e7 0xcffffffffffbfe00 0x0ffffffffffffc00
expect_out '"type": "present"'
expect_out '"pfn": 512'
expect_out '"type": "migration_read"'
count_out '"huge": true' 3
count_out '"valid_softleaf": true' 1
# without THP migration, softleaf_from_pmd() is always none
check pmd-nomig 0 "$K" pte --pmd --config thp_migration=0 0xcffffffffffbfe00
expect_out " none swap_type=0 offset=0x0"

# pagemap: a guard-region entry as this kernel reports it (PM_SWAP | PM_GUARD_REGION |
# 31 | 4 << 5 = 0x440000000000009f)
check pm-decode 0 "$K" pagemap --json 0x440000000000009f
expect_out '"swap_type": 31'
expect_out '"offset": 4'
expect_out '"guard": true'
# the model's demonstration address space: one entry of each kind; the guard marker at
# the 8th page reads 0x448000000000009f (plus PM_SOFT_DIRTY, 1 << 55, from the VMA)
check pm-model 0 "$K" pagemap --model
expect_out "0x7f0000007000  0x448000000000009f  swap swap_type=31 offset=0x4 softleaf=marker soft_dirty guard"
expect_out "0x7f0000000000  0x8180000000001000  present pfn=0x1000 exclusive"
check pm-model-nopfn 0 "$K" pagemap --model --no-pfn
expect_out "0x7f0000007000  0x448000000000000"
refute_out "pfn=0x1000"
check pm-model-pte 0 "$K" pagemap --model --json --pte 0x1000=0x8000000012345067
expect_out '"pfn": 74565'
expect_out '"exclusive": true'
# the softleaf type of a swapped entry depends on the configuration: swap type 28 with
# offset 5 (frame 28 | 5 << 5 = 0xbc) is device_private_write with every option on, and
# migration_read without CONFIG_DEVICE_PRIVATE and CONFIG_MEMORY_FAILURE (MAX_SWAPFILES 28)
check pm-softleaf 0 "$K" pagemap 0x40000000000000bc
expect_out "softleaf=device_private_write"
check pm-softleaf-cfg 0 "$K" pagemap --config device_private=0,memory_failure=0 0x40000000000000bc
expect_out "softleaf=migration_read"
check pm-hidden 0 "$K" pagemap --json 0x4000000000000000
expect_out '"softleaf": null'
check pm-bad-config 2 "$K" pagemap --config nope=1 0x1; one_line_err; expect_err "nope=1"
check pm-pages-nopid 2 "$K" pagemap --pages 2 0x1;   one_line_err; expect_err "pages"
# --config host reads /proc/config.gz where it exists
if [ -r /proc/config.gz ]; then
	check pte-host 0 "$K" pte --config host 0xfffffffffffff600
	expect_out "marker swap_type=31 offset=0x4 markers=guard"
fi
# a real pagemap (this shell's first page, whatever it holds) decodes without error
check pm-real 0 "$K" pagemap --pid self --addr 0 --pages 1

exit $fail
