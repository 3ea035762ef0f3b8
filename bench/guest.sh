#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (bench/run): the writer benchmark, then the
# density pass.  Prints "result ..." / "bytes ..." / "stats ..." lines for
# bench/run (bench/rtrace_bench.c says what each figure is).
set -e
ITERS=${1:-4096}
REPS=${2:-7}
VARIANTS=/rtrace/variants
T=/sys/kernel/tracing
INST=$T/instances/rtrace_bench

# ftrace on rtrace's clock: the benchmark module's own events, enabled only
# in the tracefs instance rtrace_bench, whose trace_clock is set per pass
# (local = trace_clock_local(), x86-tsc = the TSC, as rtrace's two clocks).
ftrace_setup() {
	[ -d "$T/instances" ] || mount -t tracefs tracefs "$T"
	mkdir -p "$INST"
	for e in rtrace_bench_sched rtrace_bench_raw16 rtrace_bench_addr; do
		echo 1 > "$INST/events/rtrace_bench/$e/enable"
	done
}

ftrace_clock() {
	echo "$1" > "$INST/trace_clock"
	grep -q "\[$1\]" "$INST/trace_clock" || { echo "bench: trace_clock $1 not set" >&2; exit 1; }
}

# Run benchmark command $1 (run, rtrace, tsc) with the session as it is and
# print its result lines, rtrace's renamed $2 and ftrace_ev's renamed $3
# ("-": dropped); with $4, only contexts matching that regex.
measure() {
	sleep 1		# let the console settle before timing (MEASURING.md)
	echo "$1" > /proc/rtrace_bench
	# ftrace's bytes per event (constant, for the density ratios), once.
	[ "$1" = run ] && grep '^bytes ' /proc/rtrace_bench
	grep '^result ' /proc/rtrace_bench | while read -r tag impl rest; do
		case $impl in
		rtrace)		impl=$2 ;;
		ftrace_ev)	impl=$3 ;;
		*)		[ "$1" = run ] || impl=- ;;
		esac
		[ "$impl" = - ] && continue
		if [ -n "${4:-}" ]; then
			echo "$rest" | grep -Eq "^[^ ]+ ($4) " || continue
		fi
		echo "$tag $impl $rest"
	done
}

# One recording pass with rtrace's clock $1: command $2, names $3 $4 [ctx $5].
bench_pass() {
	echo "$1" > /sys/module/rtrace/parameters/clock
	# Overwrite mode, like ftrace's default: every write succeeds,
	# sub-buffer switches included in the figure in proportion.
	rtrace configure --mode overwrite --buffer-size 1M --subbuf-size 64K
	rtrace start
	measure "$2" "$3" "$4" "${5:-}"
	rtrace stop
	rtrace reset --discard	# nothing reads these sessions: say so (ABI v2 refuses a silent discard)
}

# Replace rtrace.ko by the build of bench/run's variant $1, with the
# benchmark module of the same build (the fast path is inline in it).
swap_rtrace() {
	rmmod rtrace_bench
	rmmod rtrace
	insmod "$VARIANTS/$1/rtrace.ko"
	insmod "$VARIANTS/$1/rtrace_bench.ko" iters="$ITERS" reps="$REPS"
}

insmod /rtrace/modules/rtrace_bench.ko iters="$ITERS" reps="$REPS"
ftrace_setup

# Off means off: a call with rtrace.ko loaded and no session, with a
# session configured and never started, and with one started and stopped
# (the only state that counts RTRACE_LOST_OFF).  The first two: against
# the bare loop ("off"), since their arguments are not even computed.
rtrace reset --discard >/dev/null 2>&1 || true
measure off rtrace_off - 'task|hardirq|nmi'
rtrace configure --mode overwrite --buffer-size 1M --subbuf-size 64K
measure off rtrace_cfg - 'task|hardirq|nmi'
rtrace start
rtrace stop
measure rtrace rtrace_stopped - 'task|hardirq|nmi'
rtrace reset --discard

# The production rtrace.ko, twice: the clock rtrace picks by itself here
# (QEMU's TCG has no invariant TSC, so trace_clock_local()) against ftrace
# on local, then the raw TSC that a host with an invariant TSC gets (forced
# with clock=tsc) against ftrace's instance on x86-tsc.
ftrace_clock local
bench_pass auto run rtrace ftrace_ev
ftrace_clock x86-tsc
bench_pass tsc tsc rtrace_tsc ftrace_ev_tsc
ftrace_clock local
echo auto > /sys/module/rtrace/parameters/clock

# A cheap drop: a discard-mode ring that is full (8 KiB per lane, nothing
# reads it; the warm-up loop fills it), so every timed write is dropped.
rtrace configure --mode discard --buffer-size 8K --subbuf-size 4K
rtrace start
measure rtrace rtrace_full - 'task|hardirq|nmi'
rtrace stop
rtrace reset --discard

# Density: the real writer's bytes per event, sched_switch-like ("stats")
# and raw 16 bytes ("stats_raw"), from the session's own counters.
for d in density density_raw; do
	rtrace configure --mode discard --buffer-size 4M --subbuf-size 64K
	rtrace start
	echo $d > /proc/rtrace_bench
	rtrace stop
	rtrace flush || true
	if [ $d = density ]; then
		rtrace stats | sed 's/^/stats /'
	else
		rtrace stats | sed 's/^/stats_raw /'
	fi
	rtrace reset --discard	# nothing reads these sessions: say so (ABI v2 refuses a silent discard)
done

# Benchmark builds (bench/run): -DRTRACE_BENCH (a real nested write: the
# task lane is held busy while the NMI loop runs; and the recursion drop:
# task and spare lane held while the task loop runs), with either clock;
# then -DRTRACE_BENCH_NO_REENTRANCY (no lane selection, no busy byte: what
# the machinery costs), TSC clock.
if [ -e "$VARIANTS/bench/rtrace.ko" ]; then
	swap_rtrace bench
	bench_pass auto rtrace rtrace - 'nmi_nested|task_rec'
	bench_pass tsc rtrace rtrace_tsc - 'nmi_nested|task_rec'
fi
if [ -e "$VARIANTS/nolane/rtrace.ko" ]; then
	swap_rtrace nolane
	bench_pass tsc rtrace rtrace_nolane - 'task|hardirq|nmi'
fi
rmmod rtrace_bench
