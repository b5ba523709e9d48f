#!/bin/sh
# kvmsim emulate: usage errors (exit 2, one line on stderr), --help, and single instructions
# whose outcome is derived by hand: mov rax, r16 (REX2, apx.md 6) copies R16; add al, 1 on
# 0x7f gives 0x80 with AF SF OF; jmpabs 16 sets RIP = 0x10 (RFC v1) or #UD (--jmpabs
# dropped); REX2 without XCR0.APX is #UD; rep movsb of 4 bytes copies them and advances
# RSI/RDI by 4; pushp rax at RSP 0x8000 writes 8 bytes at 0x7ff8 (32760); EVEX is not
# emulated; div by 0 is #DE; a push into a --fault-page is #PF with error code 2 (write).
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
one_line_err() { [ "$(wc -l <"$err")" -eq 1 ] || { echo "FAIL $name: stderr not one line"; cat "$err"; fail=1; }; }

check help 0 "$K" emulate --help
expect_out "usage: kvmsim emulate"
for bad in "" "zz" "--mode 8 90" "--rip x 90" "--bogus 1 90" "--jmpabs maybe 90" \
	   "--mem 0x10 90" "--cpl 4 90" "90 90" "--rax" "--seg-base xs=1 90"; do
	# shellcheck disable=SC2086
	check "usage '$bad'" 2 "$K" emulate $bad
	one_line_err
done

check mov_r16 0 "$K" emulate --r16 0x1234 d54889c0
expect_out "^retired"; expect_out "mov rax, r16"; expect_out "^rax *0x1234 (was 0)"
check add_flags 0 "$K" emulate --rax 0x7f 0401
expect_out "^rflags  0x892 \[AF SF OF\]"; expect_out "^rax *0x80 "
check jmpabs 0 "$K" emulate d500a11000000000000000
expect_out "^rip     0x10$"
check jmpabs_dropped 0 "$K" emulate --jmpabs dropped d500a11000000000000000
expect_out "^exception #UD"
check no_apx 0 "$K" emulate --no-apx d54889c0
expect_out "^exception #UD"
check rep_movs 0 "$K" emulate --rcx 4 --rsi 0x1000 --rdi 0x2000 --mem 0x1000=01020304 f3a4
expect_out "^mem     \[0x2000\] = 01020304"; expect_out "^rsi *0x1004"; expect_out "^iterations 4"
check evex 0 "$K" emulate 62f44418fff0
expect_out "^unhandleable"
check div0 0 "$K" emulate f7f3
expect_out "^exception #DE"
check pf 0 "$K" emulate --fault-page 0x7000 --rsp 0x8000 50
expect_out "^exception #PF(2) at 0x7ff8"
check json 0 "$K" emulate --json --rsp 0x8000 --rax 0x1122 d50850
expect_out '"outcome": "retired"'; expect_out '"rsp": 32760'; expect_out '"bytes": "2211000000000000"'
check mode32 0 "$K" emulate --mode 32 --rax 0x0203 d50a
expect_out "^rax *0x17 "
[ $fail -eq 0 ] && echo "emulate cli: ok"
exit $fail
