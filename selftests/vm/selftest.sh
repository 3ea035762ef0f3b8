#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-tests of the VM runner; prints TAP.  usage: selftests/vm/selftest.sh [KERNEL]
set -u
run=$(dirname "$(readlink -f "$0")")/run
kernel=${1:-cloud}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# result NAME CONDITION-STATUS: emit one TAP line, dump the output on failure
result() {
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $n - vm: $1"
	else
		echo "not ok $n - vm: $1"
		sed 's/^/# /' "$tmp/out"
		failed=1
	fi
}

echo "TAP version 13"
echo "1..5"

"$run" --kernel "$kernel" -- 'exit 7' > "$tmp/out" 2>&1
st=$?
result "exit status propagates (got $st, want 7) and boot is announced" \
	$([ $st = 7 ] && grep -q '^vm: booted ' "$tmp/out"; echo $?)

head -c 1500000 /dev/urandom > "$tmp/rand.bin"
"$run" --kernel "$kernel" --add "$tmp/rand.bin:/rtrace/in.bin" \
	--out "copy.bin:$tmp/back.bin" -- 'cp in.bin copy.bin && sha256sum in.bin' \
	> "$tmp/out" 2>&1
st=$?
want=$(sha256sum < "$tmp/rand.bin" | cut -d' ' -f1)
result "random binary file goes in and comes back byte-exact (sha256)" \
	$([ $st = 0 ] && cmp -s "$tmp/rand.bin" "$tmp/back.bin" &&
	  grep -q "^$want  in.bin" "$tmp/out"; echo $?)

"$run" --kernel "$kernel" -q -- 'insmod /rtrace/modules/rtrace_test_warn.ko' > "$tmp/out" 2>&1
st=$?
result "a kernel WARNING fails the run (got $st, want 125)" \
	$([ $st = 125 ] && grep -q 'vm: FAIL.*WARNING:' "$tmp/out"; echo $?)

"$run" --kernel "$kernel" -- 'ls -l /dev/rtrace && grep -q "^rtrace " /proc/modules' > "$tmp/out" 2>&1
result "rtrace.ko is loaded and /dev/rtrace exists" $?

"$run" --kernel "$kernel" -q --timeout 20 -- 'sleep 1000' > "$tmp/out" 2>&1
st=$?
result "a hung command times out cleanly (got $st, want 124)" \
	$([ $st = 124 ] && grep -q 'vm: timeout after 20 s' "$tmp/out"; echo $?)

exit $failed
