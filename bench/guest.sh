#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (bench/run): the writer benchmark, then the
# density pass.  Prints "result ..." / "bytes ..." lines for bench/run.
set -e
ITERS=${1:-4096}
REPS=${2:-7}

insmod /rtrace/modules/rtrace_bench.ko iters="$ITERS" reps="$REPS"

# Overwrite mode, like ftrace's default: every write succeeds, sub-buffer
# switches included in the figure in proportion.  Two passes: the clock
# rtrace picks by itself here (QEMU's TCG has no invariant TSC, so
# trace_clock_local()), then the raw TSC that a host with an invariant
# TSC gets (forced with the module's clock=tsc); the second pass keeps only
# rtrace's own lines, renamed rtrace_tsc.
for clk in auto tsc; do
	echo "$clk" > /sys/module/rtrace/parameters/clock
	rtrace configure --mode overwrite --buffer-size 1M --subbuf-size 64K
	rtrace start
	# Let the console settle before timing (MEASURING.md).
	sleep 1
	echo run > /proc/rtrace_bench
	if [ "$clk" = auto ]; then
		cat /proc/rtrace_bench
	else
		grep '^result rtrace ' /proc/rtrace_bench | sed 's/^result rtrace /result rtrace_tsc /'
	fi
	rtrace stop
	rtrace reset
done
echo auto > /sys/module/rtrace/parameters/clock

# Density: the real writer's bytes per sched_switch-like event.
rtrace configure --mode discard --buffer-size 4M --subbuf-size 64K
rtrace start
echo density > /proc/rtrace_bench
rtrace stop
rtrace flush || true
rtrace stats | sed 's/^/stats /'
rtrace reset
rmmod rtrace_bench
