#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (bench/run): the writer benchmark, then the
# density pass.  Prints "result ..." / "bytes ..." lines for bench/run.
set -e
ITERS=${1:-4096}
REPS=${2:-7}
VARIANTS=/rtrace/variants

# One timed pass with the rtrace.ko loaded now and clock $1: all lines
# (auto) or only rtrace's own ones, renamed $2.
bench_pass() {
	echo "$1" > /sys/module/rtrace/parameters/clock
	# Overwrite mode, like ftrace's default: every write succeeds,
	# sub-buffer switches included in the figure in proportion.
	rtrace configure --mode overwrite --buffer-size 1M --subbuf-size 64K
	rtrace start
	# Let the console settle before timing (MEASURING.md).
	sleep 1
	echo run > /proc/rtrace_bench
	if [ "$2" = rtrace ]; then
		cat /proc/rtrace_bench
	else
		grep '^result rtrace ' /proc/rtrace_bench | sed "s/^result rtrace /result $2 /"
	fi
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

# The production rtrace.ko, twice: the clock rtrace picks by itself here
# (QEMU's TCG has no invariant TSC, so trace_clock_local()), then the raw
# TSC that a host with an invariant TSC gets (forced with clock=tsc).
bench_pass auto rtrace
bench_pass tsc rtrace_tsc
echo auto > /sys/module/rtrace/parameters/clock

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
# task lane is held busy while the NMI loop runs; only its nmi_nested
# lines are new), then -DRTRACE_BENCH_NO_REENTRANCY (no lane selection, no
# busy byte: what the machinery costs).  Both with the TSC clock.
if [ -e "$VARIANTS/bench/rtrace.ko" ]; then
	swap_rtrace bench
	bench_pass tsc rtrace_tsc | grep ' nmi_nested ' || true
fi
if [ -e "$VARIANTS/nolane/rtrace.ko" ]; then
	swap_rtrace nolane
	bench_pass tsc rtrace_nolane | grep -v " nmi_nested " || true
fi
rmmod rtrace_bench
