#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: everything, ending with one line "N passed, N failed, N skipped"
# counted over every TAP result of every step and kernel.  Exit non-zero on
# any failure, kernel splat or failed step.
#
#   KERNELS="cloud rt 6.1 debug"  kernels to boot (default: all four)
#   BUILDS="normal debug"         module builds per kernel (debug = RTRACE_DEBUG=1)
#   TESTS="..."                   subset: selftest program names (run in the VM)
#                                 and/or host steps lint, unit, vm (runner
#                                 self-tests), cli (CLI in the VM); default all
# Logs of each step: build/check/<step>.log
set -u -o pipefail
# The whole script is one compound command, read before it runs: editing
# this file while a run is in progress cannot derail that run.
{
. "$(dirname "$0")/lib.sh"
cd "$RTRACE_TOP"

KERNELS=${KERNELS:-$RTRACE_KERNELS_ALL}
BUILDS=${BUILDS:-normal debug}
TESTS=${TESTS:-}
logs=$RTRACE_TOP/build/check
rm -rf "$logs"
mkdir -p "$logs"
all=$logs/all.tap
: > "$all"
t0=$(date +%s)

want() {	# host step selected?
	[ -z "$TESTS" ] && return 0
	case " $TESTS " in *" $1 "*) return 0 ;; esac
	return 1
}
progs=
for t in $TESTS; do
	case $t in lint|unit|vm|cli) ;; *) progs="$progs $t" ;; esac
done

# step NAME COMMAND...: run, show and keep the output; a step that fails
# without a failing TAP line of its own gets one.
step() {
	local name=$1 st s0
	shift
	s0=$(date +%s)
	echo "# ==== $name"
	"$@" 2>&1 | tee "$logs/$name.log"
	st=$?
	echo "# ==== $name: exit $st, $(( $(date +%s) - s0 )) s"
	cat "$logs/$name.log" >> "$all"
	if [ $st != 0 ] && ! grep -q '^not ok' "$logs/$name.log"; then
		echo "not ok - $name: exit status $st" | tee -a "$all"
	fi
	return $st
}

step deps scripts/deps.sh || { scripts/tap-summary "$all"; exit 1; }

# The debug kernel builds (once) in the background while host steps run.
debug_pid=
case " $KERNELS " in *" debug "*)
	if [ -z "$TESTS" ] || [ -n "$progs" ] || want cli; then
		scripts/build-debug-kernel.sh > "$logs/debug-kernel.log" 2>&1 &
		debug_pid=$!
	fi ;;
esac

want lint && step lint scripts/lint.sh
if want unit; then
	for d in selftests/unit userspace; do
		[ -f "$d/Makefile" ] && step "unit-${d//\//-}" make -s -C "$d" check
	done
fi
want vm && step vm-selftest selftests/vm/selftest.sh

# The fuzzer's 100,000 calls per kernel are shared by the boots of that
# kernel (one per module build), so the debug kernel's two boots do not
# spend 100,000 KASAN-instrumented calls each.
nbuilds=$(echo $BUILDS | wc -w)
fuzz_calls=$(( (100000 + nbuilds - 1) / nbuilds ))
cmd="export RTRACE_FUZZ_CALLS=$fuzz_calls; /rtrace/selftests/run_all$progs; st=\$?"
add=()
if want cli && [ -f userspace/tests/vm_cli.sh ]; then
	[ -f userspace/Makefile ] && make -s -C userspace all > "$logs/userspace-build.log" 2>&1
	add=(--add userspace/tests/vm_cli.sh:/rtrace/vm_cli.sh)
	# Each suite starts with only rtrace.ko loaded.
	unload='for m in $(cut -d" " -f1 /proc/modules); do case $m in rtrace_*) rmmod $m;; esac; done'
	cmd="$cmd; $unload; sh /rtrace/vm_cli.sh || st=1"
fi
# Last in every boot: lockdown, once raised, stays until the next boot.
[ -z "$TESTS" ] && cmd="$cmd; /rtrace/selftests/lockdown_test || st=1"
cmd="$cmd; exit \$st"
if [ -z "$TESTS" ] || [ -n "$progs" ] || [ ${#add[@]} -gt 0 ]; then
	[ -z "$TESTS" ] || [ -n "$progs" ] || cmd="sh /rtrace/vm_cli.sh"
	for k in $KERNELS; do
		if [ "$k" = debug ] && [ -n "$debug_pid" ]; then
			echo "# waiting for the debug kernel build ($logs/debug-kernel.log)"
			wait "$debug_pid" || {
				tail -n 30 "$logs/debug-kernel.log"
				echo "not ok - debug kernel build failed" | tee -a "$all"
				continue
			}
			cat "$logs/debug-kernel.log"
		fi
		for b in $BUILDS; do
			flag=
			[ "$b" = debug ] && flag=--debug-build
			step "vm-$k-$b" selftests/vm/run --kernel "$k" $flag ${add[@]+"${add[@]}"} -- "$cmd"
		done
	done
fi
[ -n "$debug_pid" ] && wait "$debug_pid" 2>/dev/null

echo "# make check: $(( $(date +%s) - t0 )) s wall; logs in $logs"
scripts/tap-summary "$all"
exit
}
