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
lost_all() {	# every loss cause 'rtrace check' names
	rtrace check "$1" 2>/dev/null | tr ' ' '\n' |
		awk -F= '/^[a-z_]+=[0-9]+$/ { n += $2 } END { print n + 0 }'
}
stats_written() {
	rtrace stats 2>>$T/err | awk '$1 == "total" { print $2 }'
}
# wait_until WHAT COMMAND...: until COMMAND succeeds, tried every 0.1 s for
# 30 s at most (a fixed sleep lost a burst emitted before START on a loaded
# CI machine)
wait_until() {
	what=$1
	shift
	i=0
	while [ $i -lt 300 ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "wait_until: no $what after 30 s" >>$T/err
	return 1
}
session_running() {
	rtrace info 2>/dev/null | grep -q '^state  *running$'
}
# rtrace (record) has read a sub-buffer: stats' total sb_read
subbuf_read() {
	sbr=$(rtrace stats 2>/dev/null | awk '$1 == "total" { print $NF }')
	[ -n "$sbr" ] && [ "$sbr" -gt 0 ]
}
# until a backgrounded 'rtrace record' has its session running
wait_running() {
	wait_until "session running" session_running
}

# BEGIN json_flat (test_cli.sh runs this validator on the host against python3's json)
# json_flat < DOC: a strict JSON parser (RFC 8259; duplicate keys rejected too) in
# awk, for the guest's busybox; prints one "PATH VALUE" line per scalar
# (.total.written 42, .lanes[0].lane "task") and exits 1 on invalid JSON.
json_flat() {
	awk '
	function err(m) { printf "json_flat: %s at byte %d\n", m, pos > "/dev/stderr"; bad = 1; exit 1 }
	function ch() { return substr(s, pos, 1) }
	function ws() { while (pos <= n && index(" \t\n\r", ch())) pos++ }
	function str(   c, start) {
		start = pos++
		for (;;) {
			if (pos > n) err("unterminated string")
			c = ch()
			if (c == "\"") { pos++; return substr(s, start, pos - start) }
			if (c < " ") err("control character in a string")
			if (c == "\\") {
				c = substr(s, pos + 1, 1)
				if (c == "u") {
					if (substr(s, pos + 2, 4) !~ /^[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]$/)
						err("bad \\u escape")
					pos += 6
					continue
				}
				if (!index("\"\\/bfnrt", c)) err("bad escape")
				pos += 2
				continue
			}
			pos++
		}
	}
	function value(path,   c, t) {
		ws()
		if (++depth > 64) err("nested too deep")
		c = ch()
		if (c == "{") obj(path)
		else if (c == "[") arr(path)
		else if (c == "\"") print path " " str()
		else if (match(substr(s, pos), /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
			print path " " substr(s, pos, RLENGTH)
			pos += RLENGTH
		} else {
			t = 0
			if (substr(s, pos, 4) == "true") t = 4
			else if (substr(s, pos, 5) == "false") t = 5
			else if (substr(s, pos, 4) == "null") t = 4
			if (!t) err("a value expected")
			print path " " substr(s, pos, t)
			pos += t
		}
		depth--
	}
	function obj(path,   k, c) {
		pos++
		ws()
		if (ch() == "}") { pos++; return }
		for (;;) {
			ws()
			if (ch() != "\"") err("a key expected")
			k = str()
			k = substr(k, 2, length(k) - 2)
			if ((path SUBSEP k) in seen) err("duplicate key " k)
			seen[path SUBSEP k] = 1
			ws()
			if (ch() != ":") err("\":\" expected")
			pos++
			value(path "." k)
			ws()
			c = ch()
			pos++
			if (c == "}") return
			if (c != ",") err("\",\" or \"}\" expected")
		}
	}
	function arr(path,   i, c) {
		pos++
		ws()
		if (ch() == "]") { pos++; return }
		for (i = 0;; i++) {
			value(path "[" i "]")
			ws()
			c = ch()
			pos++
			if (c == "]") return
			if (c != ",") err("\",\" or \"]\" expected")
		}
	}
	{ s = s $0 "\n" }
	END {
		if (bad) exit 1
		n = length(s)
		pos = 1
		value("")
		ws()
		if (pos <= n) err("data after the document")
	}'
}
# jget PATH < FLAT: the value at PATH (strings with their quotes)
jget() {
	awk -v p="$1" '$1 == p { sub(/^[^ ]* /, ""); print; f = 1 } END { exit !f }'
}
# END json_flat

echo "TAP version 13"
insmod /rtrace/modules/rtrace_test_gen.ko 2>$T/err
ok $? "insmod rtrace_test_gen"
rtrace info >$T/err 2>&1
ok $? "rtrace info"

# record --duration: stops by itself, after the time asked, with a file
# that checks.  (Not for the burst below: on a loaded host, seeing the
# session running took most of a 3 s duration, and the burst came late.)
s0=$(date +%s)
rtrace record -o $T/d.dat --duration 2 --buffer-size 64K --subbuf-size 4K 2>$T/err
rc=$?
el=$(($(date +%s) - s0))
ok "$([ $rc -eq 0 ] && [ $el -ge 2 ] && rtrace check $T/d.dat >/dev/null 2>>$T/err; echo $?)" \
	"record --duration 2 exits 0 after $el s, the file checks"

# record -- COMMAND: every event of a burst COMMAND makes lands in the file
rtrace record -o $T/r.dat --buffer-size 64K --subbuf-size 4K -- \
	sh -c "echo 1000 >$P/emit; echo 200 >$P/emit_raw; echo 100 >$P/emit_irq" 2>$T/rec.err
ok $? "record -- COMMAND (a burst) exits 0"
ev=$(check_events $T/r.dat)
ok "$([ "${ev:-0}" -ge 1300 ]; echo $?)" \
	"record captured the burst ($ev events; 1000 task + 200 raw + hardirq ones)"
w=$(stats_written)
ok "$([ "$w" = "$ev" ]; echo $?)" "decoded events ($ev) == written in stats ($w)"
lines=$(rtrace decode $T/r.dat | wc -l)
ok "$([ "$lines" -eq "$ev" ]; echo $?)" "decode prints $lines lines"
rtrace decode $T/r.dat | grep -q " test_raw len=" 
ok $? "decode shows raw events"
# convert: the same capture as CTF and Perfetto, every event in each (the
# host's test_export.sh reads such files with babeltrace2 and protoc)
for to in ctf perfetto; do
	rtrace convert $T/r.dat --to $to -o $T/r.$to 2>$T/conv.err
	st=$?
	conv=$(sed -n 's/.*: \([0-9]*\) events, .*/\1/p' $T/conv.err)
	cat $T/conv.err >>$T/err
	ok "$([ $st -eq 0 ] && [ "$conv" = "$ev" ] &&
	      { [ -s $T/r.$to/metadata ] || { [ -f $T/r.$to ] && [ -s $T/r.$to ]; }; }
	      echo $?)" "convert --to $to: $conv of $ev events"
done
ls $T/r.ctf 2>>$T/err | grep -q '^cpu[0-9]*_task$'
ok $? "convert --to ctf: a packet stream per CPU and lane"
# report: the same capture summarised, its text and --json agreeing with
# check and decode (the host's test_cli.sh checks every number of both
# against python3's json on encoder-made captures; here the capture is real)
rtrace report $T/r.dat >$T/rep.txt 2>>$T/err
ok $? "report exits 0 on a real capture"
rtrace report --json $T/r.dat 2>>$T/err | json_flat >$T/rep.flat 2>>$T/err
ok $? "report --json is valid JSON"
rev=$(awk '$1 == ".total.events" { print $2 }' $T/rep.flat)
rsum=$(awk '$1 ~ /^\.sessions\[0\]\.events\[[0-9]+\]\.count$/ { n += $2 } END { print n + 0 }' $T/rep.flat)
ok "$([ "$rev" = "$ev" ] && [ "$rsum" = "$ev" ]; echo $?)" \
	"report --json: total.events $rev and the per-type counts' sum $rsum == check's $ev"
gen=$(rtrace decode $T/r.dat | grep -c " test_raw len=")
rgen=$(awk 'want != "" && $1 == want { print $2; exit }
	$1 ~ /\.events\[[0-9]+\]\.name$/ && $2 == "\"test_raw\"" { want = $1; sub(/\.name$/, ".count", want) }' $T/rep.flat)
ok "$([ -n "$rgen" ] && [ "$rgen" = "$gen" ]; echo $?)" \
	"report --json: test_raw count $rgen == decode's $gen lines"
grep -q "$ev" $T/rep.txt
ok $? "report's text shows the event total ($ev)"

# the same through the mmap ring
rtrace record --mmap -o $T/m.dat --buffer-size 64K --subbuf-size 4K -- \
	sh -c "echo 900 >$P/emit" 2>$T/err
ok $? "record --mmap -- COMMAND exits 0"
ev=$(check_events $T/m.dat)
w=$(stats_written)
ok "$([ "${ev:-0}" -eq 900 ] && [ "$w" = "$ev" ]; echo $?)" "record --mmap captured $ev of 900 events (written $w)"

# record until SIGINT, to stdout through a pipe
(rtrace record -o - --buffer-size 64K --subbuf-size 4K 2>$T/rec2.err | rtrace check - >$T/pipe.out 2>&1
 echo $? >$T/pipe.rc) &
wait_running
echo 700 >$P/emit
sleep 1
kill -INT "$(pidof rtrace | tr ' ' '\n' | sort -n | head -1)" 2>/dev/null || killall -INT rtrace
wait
ok "$(cat $T/pipe.rc)" "record -o - | rtrace check - after SIGINT"
grep -q ": ok: 700 events" $T/pipe.out
st=$?
[ $st -eq 0 ] || cat $T/pipe.out $T/rec2.err >>$T/err
ok $st "the piped capture holds the 700 events"

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
base=$(cat $P/seq)
echo 5000 >$P/emit
rtrace snapshot 2>$T/err
ok "$([ $? -eq 2 ] && grep -q -- '--stop' $T/err; echo $?)" "snapshot without -o or --stop: usage error naming both"
rtrace snapshot -o $T/s1.dat 2>$T/err
ok $? "snapshot -o while recording"
last1=$(rtrace decode $T/s1.dat 2>>$T/err | awk '$4 == "test" { v = $5 } END { print v }')
rtrace info >$T/info 2>>$T/err
ok "$(grep -q '^state  *running' $T/info && rtrace check $T/s1.dat >/dev/null 2>>$T/err &&
      [ "$last1" = "seq=$((base + 4999))" ]; echo $?)" \
	"snapshot 1 holds the newest event ($last1 of seq=$((base + 4999))), checks clean, still running"
echo 3000 >$P/emit
rtrace snapshot -o $T/s2.dat 2>$T/err
ok $? "snapshot -o again"
rtrace decode $T/s2.dat 2>>$T/err | awk '$4 == "test" { sub(/^seq=/, "", $5); print $5 }' >$T/s2.seq
last2=$(tail -n 1 $T/s2.seq)
old2=$(awk -v b=$((base + 5000)) '$1 < b' $T/s2.seq | wc -l)
ok "$([ "$last2" = "$((base + 7999))" ] && [ "$old2" -eq 0 ] &&
      rtrace check $T/s2.dat >/dev/null 2>>$T/err; echo $?)" \
	"snapshot 2 holds the newest ($last2 of $((base + 7999))) and nothing snapshot 1 had ($old2)"
rtrace snapshot -o $T/s2.dat 2>$T/err
ok "$([ $? -eq 1 ] && grep -q 'exists' $T/err; echo $?)" "snapshot -o over an existing file: refused without -f"
# while a writer keeps writing: every sub-buffer whole (CRC and decode clean)
(while :; do echo 20000 >$P/emit; done) &
lpid=$!
sleep 1
rtrace snapshot -o $T/s3.dat 2>$T/err
st=$?
kill $lpid
wait $lpid 2>/dev/null
e3=$(check_events $T/s3.dat)
ok "$([ $st -eq 0 ] && [ "${e3:-0}" -gt 0 ]; echo $?)" \
	"snapshot while a task keeps emitting: $e3 events, every sub-buffer whole and checked"
rtrace snapshot --stop -o $T/o.dat 2>$T/err
ok $? "snapshot --stop -o: stop and drain into a file"
rtrace info >$T/info 2>>$T/err
grep -q '^state  *stopped' $T/info
ok $? "snapshot --stop stopped the session"
rtrace snapshot --stop 2>$T/err
ok $? "snapshot --stop of a stopped session (a no-op)"
ev=0 lo=0
for f in $T/s1.dat $T/s2.dat $T/s3.dat $T/o.dat; do
	e=$(check_events $f)
	l=$(lost_all $f)
	ev=$((ev + ${e:-0})) lo=$((lo + ${l:-0}))
done
total=$(($(cat $P/seq) - base))
ok "$([ $((ev + lo)) -eq $total ] && [ "$lo" -gt 0 ]; echo $?)" \
	"overwrite: decoded $ev + lost $lo == emitted $total over three snapshots and the rest"

# unread data is never dropped without --discard
rtrace configure --buffer-size 64K --subbuf-size 4K 2>$T/err && rtrace start 2>>$T/err
echo 300 >$P/emit
rtrace stop 2>>$T/err
rtrace info >$T/info 2>>$T/err
grep -q "^unread  *yes" $T/info
ok $? "info says unread data"
rtrace configure --buffer-size 64K --subbuf-size 4K 2>$T/err
ok "$([ $? -eq 1 ] && grep -q -- '--discard' $T/err; echo $?)" "configure over unread data: exit 1, hint --discard"
rtrace reset 2>$T/err
ok "$([ $? -eq 1 ]; echo $?)" "reset over unread data: exit 1"
rtrace configure --discard --buffer-size 64K --subbuf-size 4K 2>$T/err
ok $? "configure --discard replaces it"

# errors
rtrace reset 2>$T/err
ok $? "reset"
rtrace start 2>$T/err
rc=$?
grep -q "no session" $T/err
ok "$([ $rc -eq 1 ] && grep -q 'no session' $T/err; echo $?)" "start after reset: exit 1, says why"
rtrace record --subbuf-size 1000 -o $T/x.dat 2>$T/err
ok "$([ $? -eq 2 ]; echo $?)" "bad --subbuf-size: exit 2"

# --- record -- COMMAND: COMMAND's status, its stdout untouched, its events in the file
rtrace record -o $T/cmd.dat --buffer-size 64K --subbuf-size 4K -- \
	sh -c "echo 1234 >$P/emit; echo from-the-command; exit 3" >$T/cmd.out 2>$T/cmd.err
rc=$?
cp $T/cmd.err $T/err
ok "$([ $rc -eq 3 ]; echo $?)" "record -- COMMAND exits with COMMAND's status 3 (got $rc)"
grep -qx from-the-command $T/cmd.out
ok $? "COMMAND's stdout is its own"
ev=$(check_events $T/cmd.dat)
ok "$([ "${ev:-0}" -eq 1234 ]; echo $?)" "the capture decodes with COMMAND's 1234 events ($ev)"
cp $T/cmd.err $T/err
grep -q "^rtrace record: 1234 events written by the kernel, [0-9]* bytes .* to $T/cmd.dat in " $T/cmd.err &&
	grep -q "^rtrace record: lost full=0 recursion=0 too_large=0 off=0 overwritten=0" $T/cmd.err &&
	! grep -q warning $T/cmd.err
ok $? "summary: events, bytes, file, lost by cause, no warning"
cr=$(printf '\r')
! grep -q "$cr" $T/cmd.err
ok $? "no status line off a terminal"
rtrace record -o $T/cmd2.dat -- sh -c 'kill -TERM $$' 2>$T/err
ok "$([ $? -eq 143 ]; echo $?)" "COMMAND killed by SIGTERM: exit 143"
rtrace record -o $T/cmd3.dat -- no-such-command 2>$T/err
rc=$?
ok "$([ $rc -eq 127 ] && [ ! -e $T/cmd3.dat ] && grep -q 'command not found' $T/err; echo $?)" \
	"COMMAND not found: exit 127, no file"
rtrace record -o $T/cmd.dat -- true 2>$T/err
rc=$?
ok "$([ $rc -eq 1 ] && grep -q 'exists.*-f' $T/err && [ "$(check_events $T/cmd.dat)" -eq 1234 ]; echo $?)" \
	"existing file without -f: exit 1, file untouched"
rtrace record -f -o $T/cmd.dat -- sh -c "echo 77 >$P/emit" 2>$T/err
rc=$?
ok "$([ $rc -eq 0 ] && [ "$(check_events $T/cmd.dat)" -eq 77 ]; echo $?)" "-f replaces it (77 events)"

# --status always: the status line off a terminal (auto only draws it on one)
rtrace record --status always -o $T/st.dat --buffer-size 64K --subbuf-size 4K -- \
	sh -c "echo 500 >$P/emit; sleep 3" 2>$T/st.err
cp $T/st.err $T/err
grep -q "${cr}.*rtrace record: [0-9]*\.[0-9] s, [0-9]* events, [0-9.]* [KMG]*i*B, lost 0, [0-9]* events/s" $T/st.err &&
	grep -q "${cr}.*rtrace record: 500 events written" $T/st.err
ok $? "status line: elapsed, events, bytes, lost, events/s; then the summary"

# a ring too small: the summary names the loss and the option
rtrace record -o $T/full.dat --buffer-size 8K --subbuf-size 4K -- \
	sh -c "echo 20000 >$P/emit" 2>$T/full.err
cp $T/full.err $T/err
grep -q "warning: [0-9]* events lost because a ring was full.*--buffer-size (now 8.0 KiB" $T/full.err
ok $? "loss warning names 'full' and --buffer-size"

# SIGINT, SIGTERM, SIGHUP: a complete file
for sig in INT TERM HUP; do
	rtrace record -o $T/sig$sig.dat --buffer-size 64K --subbuf-size 4K 2>$T/sig.err &
	pid=$!
	wait_running
	echo 600 >$P/emit
	sleep 1
	kill -$sig $pid
	wait $pid
	rc=$?
	ev=$(check_events $T/sig$sig.dat)
	ok "$([ $rc -eq 0 ] && [ "${ev:-0}" -eq 600 ]; echo $?)" "SIG$sig: exit $rc, the file decodes with 600 events ($ev)"
done
# with a COMMAND still running: the file first, then SIGTERM for it
rtrace record -o $T/sigc.dat --buffer-size 64K --subbuf-size 4K -- sleep 60 2>$T/sigc.err &
pid=$!
wait_running
echo 300 >$P/emit
kill -TERM $pid
wait $pid
rc=$?
cp $T/sigc.err $T/err
ev=$(check_events $T/sigc.dat)
ok "$([ $rc -eq 143 ] && [ "${ev:-0}" -eq 300 ] && grep -q "sending SIGTERM to sleep" $T/sigc.err; echo $?)" \
	"SIGTERM with COMMAND running: file complete ($ev events), COMMAND terminated, exit $rc"

# --json of info and stats, parsed by json_flat and compared with the text
rtrace record -f -o $T/j.dat --buffer-size 64K --subbuf-size 4K -- sh -c "echo 50 >$P/emit" 2>$T/err
rtrace info >$T/info.txt 2>$T/err && rtrace info --json >$T/info.json 2>>$T/err &&
	json_flat <$T/info.json >$T/info.flat 2>>$T/err
ok $? "info --json parses"
bad=
for k in state session_id mode buffer_size subbuf_size nr_cpus nr_lanes hdr_size read_min page_size abi_version; do
	t=$(awk -v k=$k '$1 == k { print $2 }' $T/info.txt)
	j=$(jget .$k <$T/info.flat | tr -d '"')
	[ -n "$t" ] && [ "$t" = "$j" ] || bad="$bad $k($t/$j)"
done
t=$(awk '$1 == "consumer" { print $2 }' $T/info.txt)
j=$(jget .consumer <$T/info.flat)
[ "$t/$j" = yes/true ] || [ "$t/$j" = no/false ] || bad="$bad consumer($t/$j)"
t=$(awk '$1 == "sources_supported" { $1 = ""; print }' $T/info.txt)
j=$(awk '$1 ~ /^\.sources_supported\[/ { gsub(/"/, "", $2); s = s " " $2 } END { print s }' $T/info.flat)
[ "$t" = "$j" ] || bad="$bad sources_supported($t/$j)"
[ "$(jget .version <$T/info.flat)" = 1 ] || bad="$bad version"
echo "differs:$bad" >$T/err
ok "$([ -z "$bad" ]; echo $?)" "info --json: version 1, the text's values"
rtrace stats >$T/stats.txt 2>$T/err && rtrace stats --json >$T/stats.json 2>>$T/err &&
	json_flat <$T/stats.json >$T/stats.flat 2>>$T/err
ok $? "stats --json parses"
# Each lane's values in order are the text row's columns; the total too.
awk '$1 ~ /^\.lanes\[/ { i = $1; sub(/\].*/, "", i); v = $2; gsub(/"/, "", v)
		if (!(i in row)) o[++n] = i
		row[i] = row[i] (row[i] == "" ? "" : " ") v }
	$1 ~ /^\.total\./ { t = t " " $2 }
	END { for (k = 1; k <= n; k++) print row[o[k]]; print "total" t }' $T/stats.flat >$T/stats.fromjson
tail -n +2 $T/stats.txt | awk '{ $1 = $1; print }' >$T/stats.rows
diff $T/stats.rows $T/stats.fromjson >$T/err
ok "$([ $? -eq 0 ] && [ "$(wc -l <$T/stats.rows)" -ge 2 ] && [ "$(jget .version <$T/stats.flat)" = 1 ]; echo $?)" \
	"stats --json: every row and the total equal the text ($(wc -l <$T/stats.rows) rows)"

# --- user markers: a script marks three phases; they come back in order, with
# their bytes, around the phases' events (10 and 20 test events)
rtrace record -f -o $T/mark.dat --buffer-size 64K --subbuf-size 4K -- sh -c "
	rtrace mark phase one begins &&
	echo 10 >$P/emit &&
	rtrace mark 'phase \"two\"' &&
	echo 20 >$P/emit &&
	printf 'end\\001\\377' | rtrace mark -" 2>$T/err
ok $? "record -- a script that writes three markers"
rtrace decode $T/mark.dat >$T/mark.txt 2>>$T/err
ok $? "decode the markers' capture"
awk '$4 == "marker" { sub(/^[^ ]* [^ ]* [^ ]* marker /, ""); print }' $T/mark.txt >$T/mark.got
cat >$T/mark.want <<'EOF2'
len=16 text="phase one begins"
len=11 text="phase \"two\""
len=5 text="end\x01\xff"
EOF2
diff $T/mark.want $T/mark.got >$T/err
ok $? "three markers in order, with their bytes (non-printables escaped)"
awk '$4 == "marker" { m++; next } $4 == "test" { c[m]++ }
	END { printf "%d %d %d %d\n", c[0], c[1], c[2], c[3] }' $T/mark.txt >$T/mark.between
echo "test events before/between/after the markers: $(cat $T/mark.between)" >$T/err
ok "$([ "$(cat $T/mark.between)" = "0 10 20 0" ]; echo $?)" "the phases' events lie between their markers"
rtrace mark no session 2>$T/err
ok "$([ $? -eq 1 ] && grep -q 'no session is running' $T/err; echo $?)" "mark with no running session: exit 1, says why"
rtrace configure --discard --buffer-size 64K --subbuf-size 4K 2>$T/err && rtrace start 2>>$T/err
ok $? "configure; start (for bad markers)"
rtrace info | grep -qx 'marker_max  *4010' 2>>$T/err
ok $? "info: marker_max 4010 with 4 KiB sub-buffers"
head -c 4011 /dev/zero | tr '\0' x | rtrace mark - 2>$T/err
ok "$([ $? -eq 1 ] && grep -q '4011 bytes: larger than a marker of this session can be (4010' $T/err; echo $?)" \
	"mark of 4011 bytes: exit 1, names the limit"
head -c 4010 /dev/zero | tr '\0' x | rtrace mark - 2>$T/err
ok $? "mark of 4010 bytes records"
rtrace mark '' 2>$T/err
ok "$([ $? -eq 1 ] && grep -q 'empty marker' $T/err; echo $?)" "empty mark: exit 1"
rtrace mark 2>$T/err
ok "$([ $? -eq 2 ]; echo $?)" "mark without TEXT: exit 2"
rtrace stop 2>$T/err && rtrace reset 2>>$T/err || rtrace reset --discard 2>>$T/err
ok $? "stop; reset"

# permission denied: the file mode (EACCES), then the capability (EPERM), as user nobody
grep -q "^nobody:" /etc/passwd 2>/dev/null || echo "nobody:x:65534:65534:nobody:/:/bin/sh" >>/etc/passwd
as_nobody() {
	su -p -s /bin/sh nobody -c "$(command -v rtrace) $*"
}
as_nobody info >/dev/null 2>$T/err
rc=$?
ok "$([ $rc -eq 1 ] && grep -q "Permission denied.*run as root" $T/err; echo $?)" \
	"non-root, device mode 0600: exit 1, says to run as root"
chmod 666 /dev/rtrace
as_nobody info >/dev/null 2>$T/err
rc=$?
chmod 600 /dev/rtrace
ok "$([ $rc -eq 1 ] && grep -q "Operation not permitted.*needs CAP_PERFMON or CAP_SYS_ADMIN" $T/err; echo $?)" \
	"non-root with access to the file: exit 1, names CAP_PERFMON"

# --- kernel events: rtrace list, -e/--events
rtrace list >$T/list 2>$T/err
ok "$([ $? -eq 0 ] && grep -q '^sched_switch  *2  *sched  *yes  *prev_pid:u64 prev_prio:u64 prev_state:hex next_pid:u64 next_prio:u64$' $T/list &&
	grep -q '^sys_enter  *4  *syscalls  *yes  *id:u64 arg0:hex' $T/list &&
	grep -q '^test  *8  *kapi  *module API' $T/list; echo $?)" \
	"rtrace list: events, ids, groups, availability, fields"
sed 's/^/# /' $T/list
rtrace record -e sched_switch,sys_enter -e sys_exit -o $T/ev.dat --buffer-size 1M --subbuf-size 16K -- \
	sh -c 'i=0; while [ $i -lt 50 ]; do i=$((i + 1)); done; sleep 0.2' 2>$T/err
ok $? "record -e sched_switch,sys_enter -e sys_exit -- COMMAND"
rtrace decode $T/ev.dat >$T/ev.txt 2>>$T/err
ok "$([ $? -eq 0 ] && grep -q ' sched_switch prev_pid=' $T/ev.txt && grep -q ' sys_enter id=' $T/ev.txt &&
	grep -q ' sys_exit id=[0-9]* ret=' $T/ev.txt &&
	grep -q ' task_name pid=1 tgid=1 comm=' $T/ev.txt &&
	! grep -v -e ' sched_switch ' -e ' sys_enter ' -e ' sys_exit ' -e ' task_name ' $T/ev.txt | grep -q .; echo $?)" \
	"the capture holds those three events, decoded by name, and the task names they bring, nothing else"
rtrace configure --discard -e irq,sched_wakeup 2>$T/err
ok $? "configure -e with a group and an event"
rtrace reset --discard 2>>$T/err
rtrace configure -e sched_switch,bogus_event 2>$T/err
rc=$?
ok "$([ $rc -eq 2 ] && grep -q "unknown event 'bogus_event'" $T/err && grep -q 'events:.* sched_switch' $T/err &&
	grep -q 'groups:.* syscalls' $T/err; echo $?)" "unknown event: exit 2, lists the events and groups"
rtrace configure -e test 2>$T/err
ok "$([ $? -eq 2 ] && grep -q 'kapi' $T/err; echo $?)" "a module-API event cannot be selected: exit 2, says kapi"
rtrace configure -e '' 2>$T/err
ok "$([ $? -eq 2 ]; echo $?)" "-e '': exit 2"
missing=$(awk '$4 == "unavailable" { print $1; exit }' $T/list)
if [ -n "$missing" ]; then
	rtrace configure -e "$missing" 2>$T/err
	ok "$([ $? -eq 1 ] && grep -q "no tracepoint $missing" $T/err; echo $?)" \
		"an event this kernel lacks ($missing): exit 1, says so"
else
	n=$((n + 1))
	echo "ok $n - an event this kernel lacks: exit 1 # SKIP this kernel has every event"
fi
rtrace configure --discard -e sched_switch 2>$T/err && rtrace start 2>>$T/err
rtrace info >$T/info1 2>>$T/err
rtrace configure -e nope 2>/dev/null
rtrace info >$T/info2 2>>$T/err
ok "$(cmp -s $T/info1 $T/info2 && grep -q '^state  *running' $T/info2; echo $?)" \
	"a refused -e leaves the running session as it was"
rtrace stop 2>>$T/err; rtrace reset --discard 2>>$T/err
for t in /sys/kernel/tracing/events/sched/sched_switch/enable /sys/kernel/tracing/events/raw_syscalls/sys_enter/enable; do
	[ -r $t ] && [ "$(cat $t)" != 0 ] && echo "$t is $(cat $t)" >>$T/err
done
ok "$([ ! -s $T/err ]; echo $?)" "stop, reset: ftrace's own event switches untouched (0)"

# --- the PID filter: record --follow -- COMMAND keeps the task events of
# COMMAND and its descendants, not those of a busy process beside it
G=/rtrace/selftests/filter_test
if [ -x $G ]; then
	rm -f $T/stop
	( while [ ! -e $T/stop ]; do $G --getppid 100; done ) &
	bg=$!
	rtrace record -e syscalls,sched_switch,sched_process_fork --follow -o $T/flt.dat \
		--buffer-size 1M -- sh -c "echo \$\$ >$T/root; $G --getppid 41; $G --getppid 1; sleep 0.3" \
		2>$T/err
	rc=$?
	rtrace info >$T/flt.info 2>>$T/err
	rtrace record -f -e syscalls,sched_switch,sched_process_fork -o $T/nof.dat \
		--buffer-size 1M -- sh -c "echo \$\$ >$T/root2; $G --getppid 41; $G --getppid 1; sleep 0.3" \
		2>>$T/err
	rc2=$?
	touch $T/stop
	wait $bg
	rtrace decode $T/flt.dat >$T/flt.txt 2>>$T/err
	rtrace decode $T/nof.dat >$T/nof.txt 2>>$T/err
	f=$(grep -c ' sys_enter id=110 ' $T/flt.txt)
	u=$(grep -c ' sys_enter id=110 ' $T/nof.txt)
	echo "getppid: $f with --follow, $u without; background pid $bg" >>$T/err
	# the command's 42 in its children, and the shells' own (busybox sh asks for $PPID)
	ok "$([ $rc -eq 0 ] && [ $rc2 -eq 0 ] && [ "$f" -ge 42 ] && [ "$f" -le 48 ] && [ "$u" -gt "$f" ] &&
		[ "$(lost_all $T/flt.dat)" -eq 0 ]; echo $?)" \
		"record --follow -- COMMAND: COMMAND's getppid() calls ($f), not the busy neighbour's (unfiltered $u), none lost"
	# COMMAND's tree from the fork events: every sched_switch kept names one of
	# its tasks as prev or next (the other side may be anyone: the neighbour)
	tree_switches() {	# FILE ROOT: "switches outside"
		awk -v root="$2" '
		function val(k) {
			if (!match($0, " " k "=[0-9]+"))
				return -1
			return substr($0, RSTART + length(k) + 2, RLENGTH - length(k) - 2)
		}
		BEGIN { tree[root] = 1 }
		/ sched_process_fork / { if (val("parent_pid") in tree) tree[val("child_pid")] = 1 }
		/ sched_switch / { n++; if (!(val("prev_pid") in tree) && !(val("next_pid") in tree)) out++ }
		END { print n + 0, out + 0 }' "$1"
	}
	r1=$(tree_switches $T/flt.txt "$(cat $T/root)")
	r2=$(tree_switches $T/nof.txt "$(cat $T/root2)")
	echo "sched_switch (kept, outside COMMAND's tree): filtered $r1, unfiltered $r2" >>$T/err
	ok "$([ "${r1% *}" -gt 0 ] && [ "${r1#* }" -eq 0 ] && [ "${r2#* }" -gt 0 ]; echo $?)" \
		"record --follow: each sched_switch has COMMAND's tree as prev or next ($r1; unfiltered $r2)"
	ok "$(grep -q '^pid_filter  *[0-9]* ids (processes), following children$' $T/flt.info; echo $?)" \
		"rtrace info shows the filter: process ids, following children"
	sh -c 'sleep 2' &
	sp=$!
	rtrace record -e syscalls --pid $sp -o $T/pid.dat --buffer-size 1M --duration 0.5 2>$T/err
	ok "$([ $? -eq 0 ] && rtrace info | grep -q "^pid_filter  *1 ids (processes)$"; echo $?)" \
		"record --pid PID --duration: a filter of one process"
	kill $sp 2>/dev/null
	wait $sp 2>/dev/null
else
	for what in "record --follow" "record --follow, names" "rtrace info, filter" "record --pid"; do
		n=$((n + 1))
		echo "ok $n - $what # SKIP no $G"
	done
fi
rtrace reset --discard 2>/dev/null

# A second signal: stop at once at a sub-buffer boundary; the file still decodes.
# rtrace is stopped while 20000 events wait in its rings, then gets SIGINT and
# SIGTERM together.  (Last: it leaves unread data behind.)
rtrace record -o $T/cut.dat --buffer-size 1M --subbuf-size 4K 2>$T/cut.err &
pid=$!
wait_running
echo 100 >$P/emit
# until rtrace has read the sub-buffer that holds them (the kernel publishes
# it after about a second without new data), then a moment to write it out
wait_until "sub-buffer read" subbuf_read
sleep 0.5
kill -STOP $pid
echo 20000 >$P/emit
kill -INT $pid
kill -TERM $pid
kill -CONT $pid
wait $pid
rc=$?
cp $T/cut.err $T/err
ev=$(check_events $T/cut.dat)
ok "$([ $rc -eq 0 ] && [ "${ev:-0}" -ge 100 ] && [ "${ev:-0}" -lt 20100 ] && grep -q "second signal cut" $T/cut.err; echo $?)" \
	"second signal: exit $rc, the file decodes ($ev events), the summary says it was cut"

echo "1..$n"
[ $failed -eq 0 ]
