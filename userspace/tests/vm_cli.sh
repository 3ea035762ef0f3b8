#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The rtrace CLI against the real module, run INSIDE the test VM (busybox sh)
# with rtrace.ko loaded:  make -C userspace vm-check [KERNEL=cloud|rt|6.1|debug]
# Events come from /rtrace/modules/rtrace_test_gen.ko.  Prints TAP 13.
set -u
P=/sys/module/rtrace_test_gen/parameters
T=/tmp/vm_cli
mkdir -p $T
n=0 failed=0

ok() {	# ok COND-EXIT-STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ -s $T/err ] && sed 's/^/# /' $T/err | tail -10
	fi
	: >$T/err
}

# events N written in FILE according to 'rtrace check'
check_events() {
	rtrace check "$1" 2>>$T/err | tee -a $T/err | sed -n 's/.*: ok: \([0-9]*\) events.*/\1/p'
}
lost_overwritten() {
	rtrace check "$1" 2>/dev/null | sed -n 's/.*overwritten=\([0-9]*\).*/\1/p'
}
stats_written() {
	rtrace stats 2>>$T/err | awk '$1 == "total" { print $2 }'
}

echo "TAP version 13"
insmod /rtrace/modules/rtrace_test_gen.ko 2>$T/err
ok $? "insmod rtrace_test_gen"
rtrace info >$T/err 2>&1
ok $? "rtrace info"

# record --duration: every event of a burst lands in the file and decodes
rtrace record -o $T/r.dat --duration 3 --buffer-size 64K --subbuf-size 4K 2>$T/rec.err &
pid=$!
sleep 1
echo 1000 >$P/emit
echo 200 >$P/emit_raw
echo 100 >$P/emit_irq
wait $pid
ok $? "record --duration exits 0"
ev=$(check_events $T/r.dat)
ok "$([ "${ev:-0}" -ge 1300 ]; echo $?)" \
	"record captured the burst ($ev events; 1000 task + 200 raw + hardirq ones)"
w=$(stats_written)
ok "$([ "$w" = "$ev" ]; echo $?)" "decoded events ($ev) == written in stats ($w)"
lines=$(rtrace decode $T/r.dat | wc -l)
ok "$([ "$lines" -eq "$ev" ]; echo $?)" "decode prints $lines lines"
rtrace decode $T/r.dat | grep -q " test_raw len=" 
ok $? "decode shows raw events"

# the same through the mmap ring
rtrace record --mmap -o $T/m.dat --duration 3 --buffer-size 64K --subbuf-size 4K 2>$T/err &
pid=$!
sleep 1
echo 900 >$P/emit
wait $pid
ok $? "record --mmap exits 0"
ev=$(check_events $T/m.dat)
w=$(stats_written)
ok "$([ "${ev:-0}" -eq 900 ] && [ "$w" = "$ev" ]; echo $?)" "record --mmap captured $ev of 900 events (written $w)"

# record until SIGINT, to stdout through a pipe
(rtrace record -o - --buffer-size 64K --subbuf-size 4K 2>$T/rec2.err | rtrace check - >$T/pipe.out 2>&1
 echo $? >$T/pipe.rc) &
sleep 1
echo 700 >$P/emit
sleep 1
kill -INT "$(pidof rtrace | tr ' ' '\n' | sort -n | head -1)" 2>/dev/null || killall -INT rtrace
wait
ok "$(cat $T/pipe.rc)" "record -o - | rtrace check - after SIGINT"
grep -q ": ok: 700 events" $T/pipe.out
ok $? "the piped capture holds the 700 events"

# session control for scripts + plain cat
rtrace configure --buffer-size 64K --subbuf-size 4K 2>$T/err && rtrace start 2>>$T/err
ok $? "configure; start"
echo 500 >$P/emit
rtrace flush 2>$T/err && rtrace stop 2>>$T/err
ok $? "flush; stop"
cat /dev/rtrace >$T/c.dat
ev=$(check_events $T/c.dat)
ok "$([ "${ev:-0}" -eq 500 ]; echo $?)" "cat capture decodes: $ev of 500 events"

# flight recorder: read + lost == written
rtrace configure --mode overwrite --buffer-size 16K --subbuf-size 4K 2>$T/err && rtrace start 2>>$T/err
ok $? "configure --mode overwrite; start"
echo 5000 >$P/emit
rtrace snapshot 2>$T/err
ok $? "snapshot"
cat /dev/rtrace >$T/o.dat
ev=$(check_events $T/o.dat)
lo=$(lost_overwritten $T/o.dat)
ok "$([ $((${ev:-0} + ${lo:-0})) -eq 5000 ] && [ "${lo:-0}" -gt 0 ]; echo $?)" \
	"overwrite: decoded $ev + overwritten $lo == 5000"

# errors
rtrace reset 2>$T/err
ok $? "reset"
rtrace start 2>$T/err
rc=$?
grep -q "no session" $T/err
ok "$([ $rc -eq 1 ] && grep -q 'no session' $T/err; echo $?)" "start after reset: exit 1, says why"
rtrace record --subbuf-size 1000 -o $T/x.dat 2>$T/err
ok "$([ $? -eq 2 ]; echo $?)" "bad --subbuf-size: exit 2"

echo "1..$n"
[ $failed -eq 0 ]
