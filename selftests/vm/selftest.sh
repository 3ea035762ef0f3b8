#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Self-tests of the VM runner; prints TAP.  usage: selftests/vm/selftest.sh [KERNEL]
set -u
# One compound command, read whole before it runs: editing this file while
# it runs cannot derail the run.
{
here=$(dirname "$(readlink -f "$0")")	# selftests/vm
run=$here/run
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
echo "1..17"

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

# 90 s, boot included: a loaded host has taken 20 s and more to boot
# the guest, and a boot that does not fit is a boot timeout (125).
"$run" --kernel "$kernel" -q --timeout 90 -- 'sleep 1000' > "$tmp/out" 2>&1
st=$?
result "a hung command times out cleanly (got $st, want 124)" \
	$([ $st = 124 ] && grep -q 'vm: timeout after 90 s' "$tmp/out"; echo $?)


# ---- the accelerator probe, the KVM fallback and fast failure, against a
# fake QEMU (selftests/vm/fake-qemu) and a fake /dev/kvm (a writable file).
fake=$here/fake-qemu
: > "$tmp/kvm"
mkdir -p "$tmp/work"
# fenv MODE CACHE: the environment of a runner with the fake QEMU; every
# QEMU command line contains $tmp (TMPDIR), so leftovers can be found.
fenv() {
	echo "TMPDIR=$tmp/work RTRACE_QEMU=$fake FAKE_QEMU_MODE=$1" \
	     "FAKE_QEMU_LOG=$tmp/fake-$1.log RTRACE_KVM_DEV=$tmp/kvm RTRACE_ACCEL_CACHE=$tmp/$2"
}
# frun MODE CACHE RUN-ARGS...: the runner with the fake QEMU
frun() {
	local mode=$1 cache=$2
	shift 2
	env $(fenv "$mode" "$cache") "$run" --kernel "$kernel" -q "$@" > "$tmp/out" 2>&1
}
kvm_calls() {	# MODE: QEMU runs that asked for KVM
	grep -c -- '-accel kvm' "$tmp/fake-$1.log" 2>/dev/null
}
alive() {	# PIDs that still run (a killed process may take a moment to go)
	local p
	for p in $(cat "$tmp"/fake-*.log.pid 2>/dev/null) $(pgrep -f "qemu.*$tmp/work"); do
		[ -r "/proc/$p/stat" ] || continue
		# A zombie has ended; its parent just has not reaped it yet.
		[ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" = Z ] && continue
		echo "$p"
	done
}
leftovers() {	# processes of a fake or real QEMU of ours still running after 5 s
	local i left
	for i in 1 2 3 4 5 6 7 8 9 10; do
		left=$(alive)
		[ -z "$left" ] && return 0
		sleep 0.5
	done
	echo $left
}

frun abort accel-a -- 'exit 0'
st=$?
result "KVM that aborts (MSR assertion) in the probe: TCG is used (got $st, want 0)" \
	$([ $st = 0 ] && grep -q '^vm: booted .*, tcg, ' "$tmp/out" &&
	  grep -q 'KVM cannot run this guest' "$tmp/out" &&
	  grep -qs '^tcg probe failed' "$tmp"/accel-a/cloud-* "$tmp"/accel-a/"$kernel"-* &&
	  [ "$(kvm_calls abort)" = 1 ]; echo $?)

frun abort accel-a -- 'exit 0'
st=$?
result "the probe's verdict is cached: no second KVM attempt (got $st, KVM runs $(kvm_calls abort))" \
	$([ $st = 0 ] && grep -q '^vm: booted .*, tcg, ' "$tmp/out" &&
	  ! grep -q 'probing KVM' "$tmp/out" && [ "$(kvm_calls abort)" = 1 ]; echo $?)

RTRACE_ACCEL=tcg frun hang accel-h --boot-timeout 8 -- 'exit 0'
st=$?
# From the fake QEMU's start (its pid file), not the runner's: building
# the initrd before it takes a minute on a loaded host.
el=$(( $(date +%s) - $(stat -c %Y "$tmp/fake-hang.log.pid" 2>/dev/null || echo 0) ))
sleep 1
left=$(leftovers)
result "a guest that prints nothing is stopped at the boot limit (got $st, $el s after QEMU started, want 125 in < 40 s; left: ${left:-none})" \
	$([ $st = 125 ] && [ $el -lt 40 ] && grep -q 'guest did not boot.*within 8 s' "$tmp/out" &&
	  [ -z "$left" ]; echo $?)

# The limits follow the host's load while the guest runs: a run that
# started on a quiet host is not killed when the host fills up later.
echo "0.00 0.00 0.00 1/100 1" > "$tmp/loadavg"
# The runner itself in the background (env execs it; frun & would be a
# subshell), so that the TERM below reaches it and it stops its guest.
RTRACE_ACCEL=tcg RTRACE_LOADAVG=$tmp/loadavg env $(fenv hang accel-h) \
	"$run" --kernel "$kernel" -q -- 'exit 0' > "$tmp/out" 2>&1 &
rpid=$!
sleep 2
echo "1000.00 0.00 0.00 1/100 1" > "$tmp/loadavg"
for i in $(seq 1 600); do	# 300 s: building the initrd took 54 s at load 10
	grep -q 'default limits x 4.00' "$tmp/out" 2>/dev/null && break
	sleep 0.5
done
kill -TERM $rpid 2>/dev/null
wait $rpid 2>/dev/null
left=$(leftovers)
result "a host whose load rises after the start: the default limits rise with it, the guest runs on (left: ${left:-none})" \
	$(grep -q "default limits x 4.00 (boot $(( 4 * $([ "$kernel" = debug ] && echo 240 || echo 120) )) s, run $(( 4 * $([ "$kernel" = debug ] && echo 1200 || echo 600) )) s)" "$tmp/out" &&
	  ! grep -q 'did not boot\|timeout after' "$tmp/out" && [ -z "$left" ]; echo $?)

RTRACE_PROBE_TIMEOUT=4 frun tcg-only accel-c -- 'exit 0'
st=$?
left=$(leftovers)
result "KVM that starts but never boots the probe: TCG is used (got $st; left: ${left:-none})" \
	$([ $st = 0 ] && grep -q '^vm: booted .*, tcg, ' "$tmp/out" &&
	  grep -q 'no marker within 4 s' "$tmp/out" && [ -z "$left" ]; echo $?)

frun late-kvm accel-l -- 'exit 0'
st=$?
result "a guest that dies under KVM after the probe passed: retried once under TCG, recorded (got $st)" \
	$([ $st = 0 ] && grep -q 'died under KVM before booting.*retrying once under TCG' "$tmp/out" &&
	  grep -q '^vm: booted .*, tcg, ' "$tmp/out" &&
	  grep -qs '^tcg guest died under KVM' "$tmp"/accel-l/* &&
	  [ "$(kvm_calls late-kvm)" = 2 ]; echo $?)

RTRACE_ACCEL=kvm frun abort accel-f -- 'exit 0'
st=$?
result "RTRACE_ACCEL=kvm on a broken KVM fails loudly, no fallback (got $st, want 125)" \
	$([ $st = 125 ] && grep -q 'RTRACE_ACCEL=kvm' "$tmp/out" &&
	  ! grep -q '^vm: booted' "$tmp/out"; echo $?)

RTRACE_ACCEL=kvm RTRACE_KVM_DEV=$tmp/no-such-kvm "$run" --kernel "$kernel" -- 'exit 0' > "$tmp/out" 2>&1
st=$?
st2=0
RTRACE_ACCEL=fast "$run" --kernel "$kernel" -- 'exit 0' > "$tmp/out2" 2>&1 || st2=$?
cat "$tmp/out2" >> "$tmp/out"
result "RTRACE_ACCEL=kvm without a KVM device (got $st, want 125) and a bad RTRACE_ACCEL (got $st2, want 2)" \
	$([ $st = 125 ] && grep -q 'no-such-kvm is missing' "$tmp/out" && [ $st2 = 2 ] &&
	  grep -q 'RTRACE_ACCEL must be' "$tmp/out"; echo $?)

RTRACE_ACCEL=tcg frun panic-once accel-p -- 'exit 0'
st=$?
result "a guest that panics before /init once is shown and booted again (got $st, want 0)" \
	$([ $st = 0 ] && grep -q 'died under TCG before booting' "$tmp/out" &&
	  grep -q 'vm:   .*Kernel panic - not syncing: fake early panic' "$tmp/out" &&
	  grep -q '^vm: booted .*, tcg, ' "$tmp/out" &&
	  [ "$(grep -c -- '-accel tcg' "$tmp/fake-panic-once.log")" = 2 ]; echo $?)

RTRACE_ACCEL=tcg frun panic accel-p -- 'exit 0'
st=$?
result "a guest that panics before /init twice fails the run (got $st, want 125)" \
	$([ $st = 125 ] && grep -q 'vm: FAIL.*guest did not boot' "$tmp/out" &&
	  [ "$(grep -c -- '-accel tcg' "$tmp/fake-panic.log")" = 2 ]; echo $?)

# ---- the debug kernel's cache key (scripts/lib.sh): a copy of the scripts
# in a scratch tree, so the real fragment is never touched.  No build runs:
# a malformed fragment is refused before anything is unpacked.
top=$(dirname "$(dirname "$here")")
mkdir -p "$tmp/tree/scripts"
cp "$top/scripts/lib.sh" "$top/scripts/build-debug-kernel.sh" \
	"$top/scripts/debug-kernel.config" "$tmp/tree/scripts/"
frag=$tmp/tree/scripts/debug-kernel.config
dkey() { RTRACE_CACHE=$tmp/dk bash -c '. "$1"; debug_kernel_dir' _ "$tmp/tree/scripts/lib.sh"; }
k0=$(dkey)
printf '\n# a new comment\n\n' >> "$frag"
sed -i 's/^# Tickless idle:.*/# Tickless idle, reworded./' "$frag"
k1=$(dkey)
sed -i 's/^CONFIG_NO_HZ_IDLE=y$/# CONFIG_NO_HZ_IDLE is not set/' "$frag"
k2=$(dkey)
echo 'CONFIG_KASAN = y' >> "$frag"
RTRACE_CACHE=$tmp/dk "$tmp/tree/scripts/build-debug-kernel.sh" > "$tmp/out" 2>&1
st=$?
result "debug kernel key: comments do not change it, an option does, a malformed line is refused (got $st)" \
	$([ -n "$k0" ] && [ "$k0" = "$k1" ] && [ "$k1" != "$k2" ] && [ $st != 0 ] &&
	  grep -q 'not an option or a comment: .*CONFIG_KASAN = y' "$tmp/out" &&
	  [ ! -e "$tmp/dk" ]; echo $?)

left=$(leftovers)
result "no QEMU process is left behind by any of the above (left: ${left:-none})" \
	$([ -z "$left" ]; echo $?)

exit $failed
}
