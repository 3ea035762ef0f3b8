#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Stress, end to end, run INSIDE the test VM (busybox sh) with rtrace.ko
# loaded: every generator of the validation source (task, softirq, hardirq,
# NMI, cross-CPU NMIs, the spare-lane window) on every CPU at once, recorded
# by 'rtrace record' into a file, each capture proven by 'rtrace verify':
#
#   discard    default geometry (256K rings, 16K sub-buffers)
#   overwrite  64K rings of 4K sub-buffers (the reader falls behind: overwritten)
#   smallest   discard, the smallest geometry the interface allows (two
#              sub-buffers of one page per ring): most events are lost
#   smallest-overwrite  the same in overwrite mode
#   tracepoints  discard, default geometry, with the sched, irq and syscalls
#              sources recording too (when the module has them): their
#              records make the loss equalities upper bounds
#
# Each run prints its verify line and the '# nesting:' line, and must show
# records on the spare lane and losses to recursion (the paths ordinary
# load does not reach), records on the task, hardirq and NMI lanes of every
# CPU (and the softirq lane, except on PREEMPT_RT whose softirqs run at task
# level), and, for 'smallest', more events lost than read.
#
#   sh vm_stress.sh [SECONDS]   SECONDS of recording in total, shared by the
#                               runs (default $RTRACE_STRESS_SECONDS or 15)
# Prints TAP 13.
set -u
total=${1:-${RTRACE_STRESS_SECONDS:-15}}
T=/tmp/vm_stress
P=/sys/module/rtrace/parameters
mkdir -p $T
n=0 failed=0
: >$T/err

ok() {	# ok COND-EXIT-STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		# (not the verify line: it is printed once per run, for the report)
		[ -s $T/err ] && grep -v '^verify: \(ok\|FAIL\)' $T/err | sed 's/^/# /' | tail -15
	fi
	: >$T/err
}

field() {	# field NAME FILE: the number after NAME= in FILE (first)
	sed -n "s/.*[ ,]$1=\([0-9]*\).*/\1/p" "$2" | head -1
}

if ! rtrace info 2>/dev/null | grep -q 'sources_supported.*validate'; then
	echo "1..0 # SKIP rtrace.ko has no validation source"
	exit 0
fi
ncpus=$(grep -c '^processor' /proc/cpuinfo)
rt=0
uname -v | grep -q PREEMPT_RT && rt=1
# Four times the default rate: a burst of 8 every 500 us per generator.
echo 63 >$P/validate_gens
echo 500 >$P/validate_period_us
echo 8 >$P/validate_burst

# run NAME SECONDS RECORD-OPTIONS...
run() {
	name=$1 dur=$2
	shift 2
	f=$T/$name.dat
	t0=$(cut -d' ' -f1 /proc/uptime)
	rtrace record -f -o $f --discard --duration "$dur" --sources "$sources" --status never \
		"$@" 2>$T/$name.rec
	rc=$?
	cp $T/$name.rec $T/err
	ok $rc "stress $name: rtrace record $* for $dur s"
	t1=$(cut -d' ' -f1 /proc/uptime)
	rtrace verify $f >$T/$name.v 2>&1
	vrc=$?
	t2=$(cut -d' ' -f1 /proc/uptime)
	echo "# $name: record $(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }') s, verify $(echo "$t2 $t1" | awk '{ printf "%.1f", $1 - $2 }') s, $(wc -c <$f) bytes"
	echo "# $name: $(tail -1 $T/$name.v)"
	# The nesting test's convention: n/a for the pairs PREEMPT_RT cannot have.
	nest=$(grep '^nesting:' $T/$name.v)
	[ $rt = 1 ] && nest=$(echo "$nest" | sed 's/\(task<-softirq\|softirq<-hardirq\|softirq<-nmi\)=0\b/\1=n\/a/g')
	echo "# $nest"
	echo "# $(grep '^lanes:' $T/$name.v)"
	cp $T/$name.v $T/err
	ok $vrc "stress $name: rtrace verify"
	spare=$(field spare $T/$name.v)
	rec=$(field recursion $T/$name.v)
	tspare=$(sed -n 's/.*task<-spare=\([0-9]*\).*/\1/p' $T/$name.v)
	cp $T/$name.v $T/err
	ok "$([ "${spare:-0}" -gt 0 ] && [ "${rec:-0}" -gt 0 ] && [ "${tspare:-0}" -gt 0 ]; echo $?)" \
		"stress $name: spare lane reached ($spare records, task<-spare=$tspare), recursion reached (lost $rec)"
	missing=
	grep '^lanes:' $T/$name.v >$T/$name.l
	for lane in task softirq hardirq nmi spare; do
		[ $lane = softirq ] && [ $rt = 1 ] && continue
		have=$(field $lane $T/$name.l)
		[ "${have:-0}" -ge "$ncpus" ] || missing="$missing $lane(${have:-0}/$ncpus)"
	done
	cp $T/$name.v $T/err
	ok "$([ -z "$missing" ]; echo $?)" \
		"stress $name: records on every context lane of every CPU${missing:+, missing:$missing}"
}

most_lost() {	# most_lost NAME: more events lost than read
	ev=$(sed -n 's/^verify: ok events=\([0-9]*\) lost=\([0-9]*\).*/\1/p' $T/$1.v)
	lost=$(sed -n 's/^verify: ok events=\([0-9]*\) lost=\([0-9]*\).*/\2/p' $T/$1.v)
	cp $T/$1.v $T/err
	ok "$([ "${lost:-0}" -gt "${ev:-0}" ]; echo $?)" "stress $1: most events lost ($lost lost, $ev read)"
}

# The kernel's own tracepoints along, when this module has them.
tp=
for src in sched irq syscalls; do
	rtrace info 2>/dev/null | grep -q "sources_supported.*$src" && tp="$tp,$src"
done
d0=0
[ -n "$tp" ] && d0=$((total / 5))
rest=$((total - d0))
d1=$((rest * 3 / 10)) d2=$((rest / 4)) d3=$((rest / 4))
d4=$((rest - d1 - d2 - d3))
[ -n "$tp" ] && [ $d0 -lt 1 ] && d0=1
[ $d1 -ge 1 ] || d1=1
[ $d2 -ge 1 ] || d2=1
[ $d3 -ge 1 ] || d3=1
[ $d4 -ge 1 ] || d4=1
echo "TAP version 13"
echo "# stress: ${total} s in total, $ncpus CPUs, kernel $(uname -r)$([ $rt = 1 ] && echo ' PREEMPT_RT')"
sources=validate
run discard $d1 --mode discard
if [ -n "$tp" ]; then
	# Real tracepoints beside the generators: sched_switch with
	# interrupts off, timer and device interrupts, softirqs, every
	# syscall of the reader itself.  Their records make verify's loss
	# equalities upper bounds; everything else it proves as before.
	sources=validate$tp
	run tracepoints $d0 --mode discard
	rtrace report $T/tracepoints.dat >$T/tracepoints.r 2>&1
	missing=
	for ev in sched_switch local_timer_entry softirq_entry sys_enter; do
		case $tp in
		*sched*) ;; *) [ $ev = sched_switch ] && continue ;;
		esac
		case $tp in
		*irq*) ;; *) case $ev in local_timer_entry|softirq_entry) continue ;; esac ;;
		esac
		case $tp in
		*syscalls*) ;; *) [ $ev = sys_enter ] && continue ;;
		esac
		c=$(awk -v e=$ev '$3 == e { print $1 }' $T/tracepoints.r)
		[ "${c:-0}" -gt 0 ] || missing="$missing $ev"
		echo "# tracepoints: $ev=${c:-0}"
	done
	other=$(sed -n 's/.* other=\([0-9]*\).*/\1/p' $T/tracepoints.v | head -1)
	cp $T/tracepoints.r $T/err
	ok "$([ -z "$missing" ] && [ "${other:-0}" -gt 0 ]; echo $?)" \
		"stress tracepoints: kernel events recorded beside the generators ($other records${missing:+, none of:$missing})"
	sources=validate
fi
run overwrite $d2 --mode overwrite --buffer-size 16K --subbuf-size 4K
# The smallest geometry, three times the rate: most events are lost.
echo 24 >$P/validate_burst
run smallest $d3 --mode discard --buffer-size 8K --subbuf-size 4K
most_lost smallest
run smallest-overwrite $d4 --mode overwrite --buffer-size 8K --subbuf-size 4K
most_lost smallest-overwrite
ow=$(field overwritten $T/smallest-overwrite.v)
cp $T/smallest-overwrite.v $T/err
ok "$([ "${ow:-0}" -gt 0 ]; echo $?)" "stress smallest-overwrite: sub-buffers recycled unread ($ow events overwritten)"
echo 4 >$P/validate_burst
echo 1000 >$P/validate_period_us
echo "1..$n"
[ $failed -eq 0 ]
