#!/bin/sh
# kvmsim decode: --json prints one object per line (issue 7) with length/valid/ud_reason/
# text/map/opcode; `D5 48 89 C0` is 4 bytes, mov rax, r16 (apx.md 6); `D5 08 A1 ..` is #UD
# (JMPABS with W=1); a stdin stream "d5 48 89 c0 90" is two instructions (4 + 1 bytes).
set -u
K=${KVMSIM:-build/kvmsim}
fail=0
out=$(mktemp); trap 'rm -f "$out"' EXIT

"$K" decode --json d54889c0 d508a10000000000000000 >"$out" || { echo "FAIL exit"; fail=1; }
[ "$(wc -l <"$out")" -eq 2 ] || { echo "FAIL: not one line per object"; cat "$out"; fail=1; }
grep -q '^{"length": 4,"valid": true,.*"text": "mov rax, r16","map": 0,"opcode": 137' "$out" ||
	{ echo "FAIL: mov rax, r16"; cat "$out"; fail=1; }
grep -q '"valid": false,"ud_reason": "JMPABS' "$out" || { echo "FAIL: jmpabs #UD"; cat "$out"; fail=1; }
echo "d5 48 89 c0 90" | "$K" decode --json >"$out"
[ "$(wc -l <"$out")" -eq 2 ] && grep -q '"text": "nop"' "$out" ||
	{ echo "FAIL: stdin stream"; cat "$out"; fail=1; }
"$K" decode --mode 8 90 2>"$out"; [ $? -eq 2 ] || { echo "FAIL: bad mode exit"; fail=1; }
[ $fail -eq 0 ] && echo "decode cli: ok"
exit $fail
