#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (bench/run, mode tp: one vCPU, -icount shift=0,
# sleep=off, so CLOCK_MONOTONIC nanoseconds are guest instructions): the
# kernel's tracepoints end to end.  The same two workloads (bench/guest/
# tp_load.c: a pipe ping-pong, a getppid() loop) with nothing enabled, with
# ftrace's events through a tracefs instance, with rtrace's sources, on the
# local clock and on the TSC, with rtrace.ko unloaded; then the bytes per
# sched_switch of both tracers over one real workload traced by both at once.
# Prints "tp ..." lines (tp_load's), "tpinfo ..." and "tpbytes ..." lines
# for bench/report.awk.
set -e
# Each timed loop is far shorter than a timer tick (4 ms = 4M instructions
# at HZ=250: 1.1M and 0.34M with nothing enabled), so that most repetitions
# have no tick in them: the minimum and the median over the repetitions are
# then the workload alone (getppid: exact; the ping-pong's scheduling varies).
PP=${1:-100}		# ping-pong round trips per timed loop
SC=${2:-1000}		# getppid() calls per timed loop
REPS=${3:-21}
T=/sys/kernel/tracing
INST=$T/instances/tp_bench
LOAD=/rtrace/tp_load
CLK=/sys/module/rtrace/parameters/clock

[ -d "$T/instances" ] || mount -t tracefs tracefs "$T"
mkdir -p "$INST"
# Large enough that no loop overwrites (entries + overrun are counted anyway).
echo 16384 > "$INST/buffer_size_kb"

# Both workloads, labelled $1, with tp_load's extra arguments $2...
loads() {
	label=$1
	shift
	sleep 1		# let the console settle before timing (MEASURING.md)
	"$LOAD" "$label" pingpong "$PP" "$REPS" "$@"
	"$LOAD" "$label" getppid "$SC" "$REPS" "$@"
	"$LOAD" "$label" getppid0 "$SC" "$REPS" "$@"
}

# ftrace: the instance on trace_clock $1, event groups enabled per workload.
ftrace_pass() {
	echo "$1" > "$INST/trace_clock"
	grep -q "\[$1\]" "$INST/trace_clock" || { echo "tp: trace_clock $1 not set" >&2; exit 1; }
	echo > "$INST/trace"
	echo 1 > "$INST/events/sched/sched_switch/enable"
	sleep 1
	"$LOAD" "ftrace_$1" pingpong "$PP" "$REPS" --ftrace "$INST"
	echo 0 > "$INST/events/sched/sched_switch/enable"
	echo > "$INST/trace"
	echo 1 > "$INST/events/raw_syscalls/sys_enter/enable"
	echo 1 > "$INST/events/raw_syscalls/sys_exit/enable"
	sleep 1
	"$LOAD" "ftrace_$1" getppid "$SC" "$REPS" --ftrace "$INST"
	echo 0 > "$INST/events/raw_syscalls/sys_enter/enable"
	echo 0 > "$INST/events/raw_syscalls/sys_exit/enable"
	echo > "$INST/trace"
}

# rtrace: clock parameter $1 (auto picks trace_clock_local() under TCG), label
# $2; one session per workload, discard mode, rings far larger than a loop
# writes; names come with the kernel events as they do for users.
rtrace_one() {
	rtrace configure --discard --mode discard --buffer-size 4M --subbuf-size 64K -e "$3"
	rtrace start
	sleep 1
	"$LOAD" "$2" "$4" "$5" "$REPS" --rtrace /dev/rtrace
	rtrace stop
	rtrace stats | sed 's/^/tpinfo '"$2 $4"' stats /' | grep -E 'total|lost' || true
	rtrace reset --discard
}

# sys_enter and sys_exit apart (local clock), to see which one costs what;
# sys_enter also with every argument register zero (getppid0).
split_pass() {
	echo local > "$INST/trace_clock"
	echo auto > "$CLK"
	for w in sys_enter:getppid sys_enter:getppid0 sys_exit:getppid; do
		e=${w%:*}
		echo > "$INST/trace"
		echo 1 > "$INST/events/raw_syscalls/$e/enable"
		sleep 1
		"$LOAD" "ftrace_local_${e#sys_}" "${w#*:}" "$SC" "$REPS" --ftrace "$INST"
		echo 0 > "$INST/events/raw_syscalls/$e/enable"
		rtrace_one auto "rtrace_local_${e#sys_}" "$e" "${w#*:}" "$SC"
	done
	echo > "$INST/trace"
}

rtrace_pass() {
	echo "$1" > "$CLK"
	rtrace_one "$1" "rtrace_$2" sched_switch pingpong "$PP"
	rtrace_one "$1" "rtrace_$2" sys_enter,sys_exit getppid "$SC"
	echo auto > "$CLK"
}

# The floor: an empty probe on the same tracepoints (bench/rtrace_bench_tp.c),
# what any tracer pays before its probe does anything.
floor_pass() {
	insmod /rtrace/modules/rtrace_bench_tp.ko tp=sched_switch
	sleep 1
	"$LOAD" floor pingpong "$PP" "$REPS"
	rmmod rtrace_bench_tp
	insmod /rtrace/modules/rtrace_bench_tp.ko tp=syscalls
	sleep 1
	"$LOAD" floor getppid "$SC" "$REPS"
	rmmod rtrace_bench_tp
}

# Nothing enabled, rtrace.ko loaded (no session ever configured yet), then
# unloaded, then the tracers, then both again: "idle" and "notloaded" are
# measured twice, before and after the sessions, to show drift.
loads off
rmmod rtrace
loads notloaded
insmod /rtrace/modules/rtrace.ko
floor_pass
ftrace_pass local
rtrace_pass auto local
ftrace_pass x86-tsc
rtrace_pass tsc tsc
split_pass
echo local > "$INST/trace_clock"
loads idle
rmmod rtrace
loads notloaded
insmod /rtrace/modules/rtrace.ko
loads idle

# Bytes per sched_switch over one real workload traced by both at once:
# ftrace's sched_switch in the instance, rtrace record -e sched_switch (names
# included) into a file.  The workload forks and execs (new names), pipes and
# ping-pongs.
cat > /tmp/work.sh <<EOF
i=0
while [ \$i -lt 40 ]; do
	ls -l /proc > /dev/null
	grep -c . /proc/meminfo > /dev/null
	cat /proc/self/status | wc -l > /dev/null
	i=\$((i + 1))
done
$LOAD work pingpong 2000 1 > /dev/null
$LOAD work getppid 2000 1 > /dev/null
EOF
echo > "$INST/trace"
echo 1 > "$INST/events/sched/sched_switch/enable"
rtrace record -f -o /tmp/tp.dat -e sched_switch --buffer-size 4M -- sh /tmp/work.sh 2> /tmp/tp.rec
echo 0 > "$INST/events/sched/sched_switch/enable"
sed 's/^/tpinfo record /' /tmp/tp.rec
for s in "$INST"/per_cpu/cpu*/stats; do
	awk '$1 == "entries:" { e = $2 } $1 == "overrun:" { o = $2 } $1 == "bytes:" { b = $2 }
	     END { print "tpbytes ftrace", e, o, b }' "$s"
done
rtrace report /tmp/tp.dat > /tmp/tp.rep
sed 's/^/tpinfo report /' /tmp/tp.rep
awk '$3 == "sched_switch" { n = $1 } $3 == "task_name" { m = $1 }
     $1 == "total:" { b = $7; sub(/^\(/, "", b) }
     END { print "tpbytes rtrace", n + 0, m + 0, b + 0 }' /tmp/tp.rep
