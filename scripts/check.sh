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
#                                 self-tests), cli (CLI in the VM), install
#                                 (dkms, make install, run from the
#                                 installed files in a VM), stress (the
#                                 validation source and rtrace verify in
#                                 the VM); default all
#   RTRACE_STRESS_SECONDS=N       stress recording per kernel, shared by its
#                                 builds (default 30)
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
	case $t in lint|unit|vm|cli|install|stress) ;; *) progs="$progs $t" ;; esac
done

# step NAME COMMAND...: run, show and keep the output; a step that fails
# without a failing TAP line of its own gets one.  For the serial steps.
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

# ---------------------------------------------------------------------------
# Everything after deps is a set of independent jobs, run RTRACE_CHECK_JOBS
# at a time.  Default: two per CPU, as memory allows (1.5 GiB a job, for a
# 1 GiB guest and its QEMU).  Measured in the guests (the "# time:" lines,
# 2026-11-30): a VM run's two vCPUs are idle 42 - 81% of the time per
# program (sleeps in the CLI tests, waits for RCU grace periods and
# tracepoint synchronisation, rate-limited generators), and both vCPUs run
# in one host thread (single-threaded TCG), so one VM job keeps a host CPU
# about half busy: two jobs per CPU fill the CPUs where one per CPU left
# them half idle.  Each job's output goes to its own log and is shown
# whole when it ends (never interleaved); the TAP of all of them is counted
# at the end.  "job NAME [after=JOB] COMMAND...": queue one; it starts when
# a slot is free and the job it names has ended.  Longest first.
# ---------------------------------------------------------------------------
default_jobs() {
	local n mem
	n=$(( $(nproc) * 2 ))
	mem=$(awk '/^MemAvailable:/ { print int($2 / (1536 * 1024)) }' /proc/meminfo)
	[ -n "$mem" ] && [ "$mem" -lt "$n" ] && n=$mem
	[ "$n" -ge 1 ] || n=1
	echo "$n"
}
JOBS=${RTRACE_CHECK_JOBS:-$(default_jobs)}
case $JOBS in ''|*[!0-9]*|0) echo "check: RTRACE_CHECK_JOBS must be a positive integer" >&2; exit 2 ;; esac
echo "# check: $JOBS jobs at a time (RTRACE_CHECK_JOBS; $(nproc) CPUs)"
q_name=() q_after=() q_cmd=()
job() {
	local name=$1 after=
	shift
	case $1 in after=*) after=${1#after=}; shift ;; esac
	q_name+=("$name")
	q_after+=("$after")
	q_cmd+=("$(printf '%q ' "$@")")
}

# Shared inputs are built once, before any job runs, so that no two VM runs
# race to rebuild them (each runner's own make is then a no-op).
prebuild() {
	[ -f selftests/rtrace/Makefile ] && { make -s -C selftests/rtrace all || return 1; }
	[ -f userspace/Makefile ] && { make -s -C userspace all || return 1; }
	return 0
}

debug_needed=0
case " $KERNELS " in *" debug "*)
	{ [ -z "$TESTS" ] || [ -n "$progs" ] || want cli || want stress; } && debug_needed=1 ;;
esac
# A cached debug kernel needs no job: its VM runs then start first, as the
# longest, instead of after whatever was queued while the no-op job ran.
if [ $debug_needed = 1 ] && [ -r "$(scripts/build-debug-kernel.sh --print-dir)/bzImage" ]; then
	debug_needed=0
	echo "# check: debug kernel cached: $(scripts/build-debug-kernel.sh --print-dir)"
fi
[ $debug_needed = 1 ] && job debug-kernel scripts/build-debug-kernel.sh

# The fuzzer's 100,000 calls per kernel are shared by the boots of that
# kernel (one per module build), so the debug kernel's two boots do not
# spend 100,000 KASAN-instrumented calls each.
nbuilds=$(echo $BUILDS | wc -w)
fuzz_calls=$(( (100000 + nbuilds - 1) / nbuilds ))
# "run_all --time NAME COMMAND" prints "# time: NAME S s, vCPUs idle N%"
# after COMMAND, as run_all does per program: where a boot's time goes.
tm=/rtrace/selftests/run_all' --time'
cmd="export RTRACE_FUZZ_CALLS=$fuzz_calls; /rtrace/selftests/run_all$progs; st=\$?"
add=()
suites=		# the host steps' suites that run in the VM
# Each suite starts with only rtrace.ko loaded.
unload='for m in $(cut -d" " -f1 /proc/modules); do case $m in rtrace_*) rmmod $m;; esac; done'
if want cli && [ -f userspace/tests/vm_cli.sh ]; then
	add+=(--add userspace/tests/vm_cli.sh:/rtrace/vm_cli.sh)
	suites="$suites; $unload; $tm vm_cli sh /rtrace/vm_cli.sh || st=1"
fi
# The stress's seconds per kernel are shared by the boots of that kernel.
if want stress && [ -f userspace/tests/vm_stress.sh ]; then
	stress_s=$(( (${RTRACE_STRESS_SECONDS:-30} + nbuilds - 1) / nbuilds ))
	add+=(--add userspace/tests/vm_stress.sh:/rtrace/vm_stress.sh)
	suites="$suites; $unload; $tm vm_stress sh /rtrace/vm_stress.sh $stress_s || st=1"
fi
cmd="$cmd$suites"
# Last in every boot: lockdown, once raised, stays until the next boot.
[ -z "$TESTS" ] && cmd="$cmd; $tm lockdown_test /rtrace/selftests/lockdown_test || st=1"
cmd="$cmd; exit \$st"
vm_jobs=0
if [ -z "$TESTS" ] || [ -n "$progs" ] || [ ${#add[@]} -gt 0 ]; then
	[ -z "$TESTS" ] || [ -n "$progs" ] || cmd="st=0$suites; exit \$st"
	vm_jobs=1
	# Longest first: the debug kernel, then rt, 6.1 and cloud.
	for k in debug rt 6.1 cloud; do
		case " $KERNELS " in *" $k "*) ;; *) continue ;; esac
		after=
		[ "$k" = debug ] && [ $debug_needed = 1 ] && after=after=debug-kernel
		for b in $BUILDS; do
			flag=
			[ "$b" = debug ] && flag=--debug-build
			job "vm-$k-$b" $after selftests/vm/run --kernel "$k" $flag \
				${add[@]+"${add[@]}"} -- "$cmd"
		done
	done
	# Kernels not in the usual four (none today) keep their place.
	for k in $KERNELS; do
		case $k in debug|rt|6.1|cloud) continue ;; esac
		for b in $BUILDS; do
			flag=
			[ "$b" = debug ] && flag=--debug-build
			job "vm-$k-$b" selftests/vm/run --kernel "$k" $flag \
				${add[@]+"${add[@]}"} -- "$cmd"
		done
	done
fi
want lint && job lint scripts/lint.sh
want install && job install scripts/test-install.sh
want vm && job vm-selftest selftests/vm/selftest.sh
if want unit; then
	for d in userspace selftests/unit; do
		[ -f "$d/Makefile" ] && job "unit-${d//\//-}" make -s -C "$d" check
	done
fi

if [ $vm_jobs = 1 ] || want cli || want stress; then
	step prebuild prebuild || { scripts/tap-summary "$all"; exit 1; }
fi

# Run the queue.  A finished job is reported (its log, its TAP, a "not ok"
# line if it failed without one) in the order jobs end.
declare -A running=() started=() done_=()
report() {
	local name=$1 st
	st=$(cut -d' ' -f1 "$logs/$name.rc")
	echo "# ==== $name"
	cat "$logs/$name.log"
	echo "# ==== $name: exit $st, $(cut -d' ' -f2 "$logs/$name.rc") s, $(cut -d' ' -f3 "$logs/$name.rc") CPU-s (started at +$(( ${started[$name]} - t0 )) s)"
	if [ "$name" = debug-kernel ]; then	# not TAP; shown, counted only on failure
		[ "$st" = 0 ] || echo "not ok - debug kernel build failed: exit status $st" | tee -a "$all"
		return
	fi
	cat "$logs/$name.log" >> "$all"
	if [ "$st" != 0 ] && ! grep -q '^not ok' "$logs/$name.log"; then
		echo "not ok - $name: exit status $st" | tee -a "$all"
	fi
}
launch() {
	local i=$1 name=${q_name[$1]}
	started[$name]=$(date +%s)
	echo "# ---- start $name (+$(( ${started[$name]} - t0 )) s)"
	(
		s0=$(date +%s)
		eval "${q_cmd[$i]}" > "$logs/$name.log" 2>&1 < /dev/null
		st=$?
		# CPU seconds of the job's processes: bash's times, children's
		# line (not in a pipe: a subshell there has no children)
		times > "$logs/$name.times"
		cpu=$(tail -n 1 "$logs/$name.times" | awk '{ n = 0; for (i = 1; i <= 2; i++) {
			split($i, t, /[ms]/); n += t[1] * 60 + t[2] } printf "%.0f", n }')
		echo "$st $(( $(date +%s) - s0 )) $cpu" > "$logs/$name.rc"
	) &
	running[$name]=$!
	q_name[$i]=
}
pending=${#q_name[@]}
while [ $pending -gt 0 ] || [ ${#running[@]} -gt 0 ]; do
	launched=$pending
	for i in "${!q_name[@]}"; do
		[ ${#running[@]} -lt $JOBS ] || break
		n=${q_name[$i]}
		[ -n "$n" ] || continue
		a=${q_after[$i]}
		if [ -n "$a" ] && [ -z "${done_[$a]:-}" ]; then
			# Its dependency failed: report it, do not start it.
			if [ -f "$logs/$a.rc" ] && [ -z "${running[$a]:-}" ] &&
			   [ "$(cut -d' ' -f1 "$logs/$a.rc")" != 0 ]; then
				echo "not ok - $n: not run, $a failed" | tee -a "$all"
				q_name[$i]=
				pending=$((pending - 1))
			fi
			continue
		fi
		launch "$i"
		pending=$((pending - 1))
	done
	if [ ${#running[@]} = 0 ]; then
		[ $pending = "$launched" ] || continue
		# Nothing runs and nothing can start: cannot happen with the
		# queue above, but never spin.
		for i in "${!q_name[@]}"; do
			[ -n "${q_name[$i]}" ] && echo "not ok - ${q_name[$i]}: never started" | tee -a "$all"
		done
		break
	fi
	wait -n 2>/dev/null
	for n in "${!running[@]}"; do
		[ -f "$logs/$n.rc" ] || continue
		wait "${running[$n]}" 2>/dev/null
		unset "running[$n]"
		report "$n"
		[ "$(cut -d' ' -f1 "$logs/$n.rc")" = 0 ] && done_[$n]=1
		[ -n "${done_[$n]:-}" ] || done_[$n]=
	done
done

ls "$logs"/vm-*-*.log >/dev/null 2>&1 && scripts/reliability-report "$logs"
# What failed, last, where a log cut to its tail still shows it: each
# "not ok" with the lines before it in its job's log (the harness's
# "Expected ..." lines, a shell test's diagnostics).
if grep -q '^not ok\|^Bail out!' "$all"; then
	echo "# ---- what failed ----"
	for f in "$logs"/*.log; do
		if grep -q '^not ok\|^Bail out!' "$f"; then
			grep -B 10 '^not ok\|^Bail out!' "$f" | tail -n 60
		elif [ -f "${f%.log}.rc" ] && [ "$(cut -d' ' -f1 "${f%.log}.rc")" != 0 ]; then
			# Failed without a TAP line (a timeout, a splat): the
			# end of its log, without the kernel log lines.
			grep -v '^\[ *[0-9]*\.[0-9]*\]' "$f" | tail -n 30
		fi | sed "s|^|# $(basename "$f" .log): |"
	done
fi
jobs_cpu=$(cat "$logs"/*.rc 2>/dev/null | awk '{ n += $3 } END { print n + 0 }')
echo "# make check: $(( $(date +%s) - t0 )) s wall, $jobs_cpu CPU-s in its jobs ($(nproc) CPUs); logs in $logs"
scripts/tap-summary "$all"
exit
}
