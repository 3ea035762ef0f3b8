#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the rtrace CLI without a device: argument errors (exit 2), device
# errors (exit 1), decode/report/check on streams from the test encoder.
#   test_cli.sh RTRACE GEN_STREAM [NAME_PREFIX]
# Prints TAP 13.
set -u
R=$1 GEN=$2 P=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/rtrace-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0 failed=0

result() {	# result OK|FAIL name [diagnostic file]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $P$2"
	else
		echo "not ok $n - $P$2"
		failed=$((failed + 1))
		[ -n "${3:-}" ] && sed 's/^/# /' "$3" | head -20
	fi
}

# expect_rc RC name -- command...: exit status RC; stderr not empty when RC != 0
expect_rc() {
	want=$1 name=$2
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq "$want" ] && { [ "$want" -eq 0 ] || [ -s "$T/err" ]; }; then
		result OK "$name"
	else
		echo "exit $rc, wanted $want: $*" >>"$T/err"
		result FAIL "$name" "$T/err"
	fi
}

echo "TAP version 13"
"$GEN" sample "$T/s.dat" 7 30 || exit 1
"$GEN" concat "$T/c.dat" || exit 1

# --- help and usage
expect_rc 0 "--help exits 0" -- "$R" --help
missing=
for c in record configure start stop flush snapshot reset stats info decode report check convert; do
	grep -q "^  $c " "$T/out" || missing="$missing $c"
done
[ -z "$missing" ] && result OK "--help lists every command" ||
	{ echo "missing:$missing" >"$T/err"; result FAIL "--help lists every command" "$T/err"; }
expect_rc 0 "help record" -- "$R" help record
grep -q -- "--buffer-size" "$T/out" && grep -q -- "--subbuf-size" "$T/out" && \
	grep -q "per CPU per context lane" "$T/out"
[ $? -eq 0 ] && result OK "help record explains sizes" || result FAIL "help record explains sizes" "$T/out"
expect_rc 0 "decode --help" -- "$R" decode --help
expect_rc 2 "no command" -- "$R"
expect_rc 2 "unknown command" -- "$R" frobnicate
expect_rc 2 "help for unknown command" -- "$R" help frobnicate

# --- bad arguments: exit 2 before touching the device
for args in "--mode fast" "--buffer-size abc" "--buffer-size 0" "--buffer-size 12Q" \
	    "--buffer-size 99999999999999999999" "--subbuf-size 3000" "--subbuf-size 2M" \
	    "--subbuf-size 2K" "--buffer-size 16K --subbuf-size 16K" "--buffer-size 40K --subbuf-size 16K" \
	    "--cpus 3-1" "--cpus 1,,2" "--cpus x" "--cpus 0-99999" "--cpus 1-" "--sources foo" \
	    "--sources kapi," "--duration -1" "--duration abc" "--duration 0" "--bogus" \
	    "-o" "-o - true"; do
	# shellcheck disable=SC2086
	expect_rc 2 "record $args: usage error" -- "$R" record --device "$T/none" $args
done
expect_rc 2 "configure --mode x" -- "$R" configure --mode x

# --- the PID filter's options: exit 2 with a message naming the problem
pid_usage() {	# pid_usage NAME PATTERN -- ARGS...
	name=$1 pat=$2
	shift 3
	expect_rc 2 "$name: usage error" -- "$R" "$@" --device "$T/none"
	grep -q -- "$pat" "$T/err" && result OK "$name: says '$pat'" ||
		result FAIL "$name: says '$pat'" "$T/err"
}
pid_usage "record --pid 0" "'0' in '0' is not a process id (a number from 1 to 4194304)" -- record --pid 0
pid_usage "record --pid -5" "'-5' in '-5' is not a process id" -- record --pid -5
pid_usage "record --pid abc" "'abc' in 'abc' is not a process id" -- record --pid abc
pid_usage "record --pid 1,x" "'x' in '1,x' is not a process id" -- record --pid 1,x
pid_usage "record --pid 1,,2" "'' in '1,,2' is not a process id" -- record --pid 1,,2
pid_usage "record --pid 4194305" "'4194305' in '4194305' is not a process id" -- record --pid 4194305
pid_usage "record --pid ''" "is not a process id" -- record --pid ''
pid_usage "record --tid 0x10" "'0x10' in '0x10' is not a thread id" -- record --tid 0x10
pid_usage "configure --pid 99999999999" "is not a process id" -- configure --pid 99999999999
pid_usage "record --pid and --tid" "--pid (processes) and --tid (threads) exclude each other" -- \
	record --pid 1 --tid 1
pid_usage "configure --follow alone" "--follow follows the children of --pid or --tid: give one" -- \
	configure --follow
pid_usage "record --follow alone" "or of a COMMAND" -- record --follow
pid_usage "record --pid of nobody" "--pid 4194303: no such process" -- record --pid 4194303
pid_usage "record 4097 pids" "more than 4096 ids (the kernel's limit" -- \
	record --pid "$(seq -s, 1 4097)"
# The same id twice counts once: 4096 distinct ids and a repeat still parse.
"$R" record --pid "$(seq -s, 1 4096),1" --device "$T/none" >"$T/out" 2>"$T/err"
rc=$?
grep -q "no such process" "$T/err" && ! grep -q "more than" "$T/err" && [ $rc -eq 2 ] &&
	result OK "4096 ids and a repeat: parsed (then checked for existence)" ||
	result FAIL "4096 ids and a repeat: parsed (then checked for existence)" "$T/err"
expect_rc 1 "record --pid \$\$ --follow: parsed, then the device" -- \
	"$R" record --pid $$ --follow --device "$T/none" -o "$T/rp.dat" --duration 0.1
expect_rc 1 "record --follow -- COMMAND: parsed, then the device" -- \
	"$R" record --follow --device "$T/none" -o "$T/rp.dat" -- true
expect_rc 0 "help record" -- "$R" help record
grep -q -- "--pid LIST" "$T/out" && grep -q -- "--tid LIST" "$T/out" && grep -q -- "--follow " "$T/out" &&
	grep -q "COMMAND's process joins the PID" "$T/out" && grep -q "interrupts, events in interrupt context" "$T/out"
[ $? -eq 0 ] && result OK "help record explains --pid, --tid, --follow" ||
	result FAIL "help record explains --pid, --tid, --follow" "$T/out"
expect_rc 0 "help configure" -- "$R" help configure
grep -q -- "--follow " "$T/out" && result OK "help configure has --follow" ||
	result FAIL "help configure has --follow" "$T/out"
expect_rc 2 "start extra-arg" -- "$R" start extra
expect_rc 2 "stats --bogus" -- "$R" stats --bogus
expect_rc 2 "decode --order x" -- "$R" decode --order x "$T/s.dat"
expect_rc 2 "decode two files" -- "$R" decode "$T/s.dat" "$T/s.dat"
expect_rc 2 "check without file" -- "$R" check
expect_rc 2 "check --min-events x" -- "$R" check --min-events x "$T/s.dat"

# --- device errors: exit 1 with a message that says what to do
for c in start info stats "record -o $T/r0.dat --duration 1"; do
	# shellcheck disable=SC2086
	expect_rc 1 "$c: missing device" -- "$R" $c --device "$T/none"
	grep -q "module is not loaded.*modprobe rtrace.*insmod rtrace.ko" "$T/err" &&
		result OK "$c: missing device says how to load the module" ||
		result FAIL "$c: missing device says how to load the module" "$T/err"
done
[ ! -e "$T/r0.dat" ] && result OK "record: no output file without a device" ||
	result FAIL "record: no output file without a device"
RTRACE_DEVICE="$T/none" "$R" stats >/dev/null 2>"$T/err"
[ $? -eq 1 ] && grep -q "$T/none" "$T/err" && result OK "RTRACE_DEVICE is used" ||
	result FAIL "RTRACE_DEVICE is used" "$T/err"
expect_rc 1 "ioctl on a non-rtrace file" -- "$R" stop --device /dev/null
expect_rc 1 "record on a non-rtrace file" -- "$R" record --device /dev/null -o "$T/x.dat" --duration 0.1

# --- record: COMMAND and output checks come before the device is touched
expect_rc 127 "record COMMAND not found: exit 127" -- "$R" record --device "$T/none" -o "$T/r1.dat" -- no-such-command-xyz
grep -q "no-such-command-xyz: command not found" "$T/err" && ! grep -q "$T/none" "$T/err" &&
	[ ! -e "$T/r1.dat" ] && result OK "record COMMAND not found: says so, nothing touched" ||
	result FAIL "record COMMAND not found: says so, nothing touched" "$T/err"
expect_rc 127 "record without '--': the first non-option is COMMAND" -- \
	"$R" record --device "$T/none" -o "$T/r1.dat" no-such-command-xyz -o x
printf 'not a program\n' >"$T/notexec"
chmod 644 "$T/notexec"
expect_rc 126 "record COMMAND not executable: exit 126" -- "$R" record --device "$T/none" -o "$T/r1.dat" "$T/notexec"
printf 'precious' >"$T/keep.dat"
expect_rc 1 "record over an existing file without -f" -- "$R" record --device "$T/none" -o "$T/keep.dat" --duration 1
grep -q "keep.dat exists.*-f" "$T/err" && [ "$(cat "$T/keep.dat")" = precious ] &&
	result OK "existing file: refused before the device, -f named, file untouched" ||
	result FAIL "existing file: refused before the device, -f named, file untouched" "$T/err"
expect_rc 1 "record -f over an existing file, missing device" -- \
	"$R" record -f --device "$T/none" -o "$T/keep.dat" --duration 1
grep -q "modprobe" "$T/err" && [ "$(cat "$T/keep.dat")" = precious ] &&
	result OK "-f: the file is not truncated before the device opened" ||
	result FAIL "-f: the file is not truncated before the device opened" "$T/err"
expect_rc 0 "help record" -- "$R" help record
missing=
for w in "COMMAND" "exit status" "128+N" "127" "SIGINT" "SIGTERM" "SIGHUP" "SIGKILL" "second" \
	 "standard input" "-f, --force" "status line" "summary" "not on a terminal\|off a terminal"; do
	grep -q -- "$w" "$T/out" || missing="$missing '$w'"
done
[ -z "$missing" ] && result OK "help record answers COMMAND, status, signals, -f, status line" ||
	{ echo "missing:$missing" >"$T/err"; result FAIL "help record answers COMMAND, status, signals, -f, status line" "$T/err"; }

# --- decode, report, check
expect_rc 0 "check valid stream" -- "$R" check "$T/s.dat"
events=$(sed -n 's/.*: ok: \([0-9]*\) events.*/\1/p' "$T/out")
expect_rc 0 "decode valid stream" -- "$R" decode "$T/s.dat"
lines=$(wc -l <"$T/out")
[ -n "$events" ] && [ "$events" -gt 0 ] && [ "$lines" -eq "$events" ] &&
	result OK "decode prints one line per event ($lines)" ||
	{ echo "lines $lines events $events" >"$T/e"; result FAIL "decode prints one line per event" "$T/e"; }
if awk '!/^[0-9]+ [0-9]+ (task|softirq|hardirq|nmi|spare) [a-z_0-9]+( |$)/ { bad = 1 } END { exit bad }' "$T/out"; then
	result OK "decode line format: ts_ns cpu lane event args"
else
	result FAIL "decode line format" "$T/out"
fi
awk 'NR > 1 && $1 < prev { bad = 1 } { prev = $1 } END { exit bad }' "$T/out" &&
	result OK "decode output is in timestamp order" || result FAIL "decode output is in timestamp order"
grep -q "sched_switch prev_pid=[0-9]* prev_prio=-\?[0-9]* prev_state=0x[0-9a-f]* next_pid" "$T/out" &&
	result OK "decode names fields, S64 signed, HEX in hex" || result FAIL "decode names fields" "$T/out"
cp "$T/out" "$T/merged"
"$R" decode - <"$T/s.dat" >"$T/stdin" 2>&1
cmp -s "$T/merged" "$T/stdin" && result OK "decode - reads stdin" || result FAIL "decode - reads stdin" "$T/stdin"
"$R" decode --order stream "$T/s.dat" >"$T/stream"
sort "$T/stream" >"$T/a"
sort "$T/merged" >"$T/b"
cmp -s "$T/a" "$T/b" && ! cmp -s "$T/merged" "$T/stream" &&
	result OK "--order stream: same events" || result FAIL "--order stream: same events"

size=$(wc -c <"$T/s.dat")
head -c $((size - 3)) "$T/s.dat" >"$T/cut.dat"
expect_rc 1 "check cut stream fails" -- "$R" check "$T/cut.dat"
grep -q "truncated at byte" "$T/err" && result OK "check says where the cut is" ||
	result FAIL "check says where the cut is" "$T/err"
expect_rc 1 "decode cut stream exits 1" -- "$R" decode "$T/cut.dat"
[ "$(wc -l <"$T/out")" -gt 0 ] && result OK "decode prints events before the cut" ||
	result FAIL "decode prints events before the cut"
head -c 1448 "$T/s.dat" >"$T/hdr.dat"	# 128-byte header + 5 event descriptions
expect_rc 0 "check stream cut at a boundary" -- "$R" check "$T/hdr.dat"
expect_rc 1 "check --min-events" -- "$R" check --min-events 1 "$T/hdr.dat"
expect_rc 1 "check missing file" -- "$R" check "$T/nonexistent"
printf 'garbage!' >"$T/g.dat"
expect_rc 1 "check garbage" -- "$R" check "$T/g.dat"
grep -q "bad-magic at byte 0" "$T/err" && result OK "garbage: bad magic at byte 0" ||
	result FAIL "garbage: bad magic at byte 0" "$T/err"
expect_rc 0 "report on two sessions" -- "$R" report "$T/c.dat"
[ "$(grep -c '^session ' "$T/out")" -eq 2 ] && grep -q "^total: .* lost full=" "$T/out" &&
	result OK "report shows both sessions and loss totals" ||
	result FAIL "report shows both sessions and loss totals" "$T/out"
expect_rc 0 "check on two sessions" -- "$R" check "$T/c.dat"
grep -q "2 sessions" "$T/out" && result OK "check counts sessions" || result FAIL "check counts sessions" "$T/out"

# --- --json (report, check here; info and stats need the device: vm_cli.sh)
cat >"$T/jt.py" <<'PYEOF'
import json, re, sys

def load(path):
    with open(path, 'rb') as f:
        raw = f.read()
    doc = json.loads(raw.decode('utf-8'))	# strict UTF-8, one document
    assert isinstance(doc, dict) and doc.get('version') == 1, 'no "version": 1'
    return doc

def flat(v, path=''):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from flat(x, path + '.' + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from flat(x, '%s[%d]' % (path, i))
    else:
        # rtrace writes the replacement character as an escape
        yield '%s %s' % (path, json.dumps(v, ensure_ascii=False).replace('\ufffd', '\\ufffd'))

LOST = ['full', 'recursion', 'too_large', 'off', 'overwritten']

def lost_text(d):
    return ' '.join('%s=%d' % (c, d[c]) for c in LOST)

def check(doc, text):
    # "FILE: ok: E events, S sub-buffers, N sessions, L lanes, M sub-buffers missing; lost ..."
    m = re.search(r': (ok|FAILED): (\d+) events, (\d+) sub-buffers, (\d+) sessions, (\d+) lanes, '
                  r'(\d+) sub-buffers missing; lost (.*)$', text.strip())
    assert m, 'text: ' + text
    assert doc['ok'] == (m.group(1) == 'ok')
    assert [doc['events'], doc['subbufs'], doc['sessions'], doc['lanes'], doc['subbufs_missing']] == \
        [int(m.group(i)) for i in range(2, 7)], 'counts differ'
    assert 'lost ' + lost_text(doc['lost']) == 'lost ' + m.group(7), 'lost differs'
    assert doc['lost_total'] == sum(doc['lost'].values())

def report(doc, text):
    lines = text.splitlines()
    sess = [l for l in lines if l.startswith('session ')]
    assert len(sess) == len(doc['sessions']), 'sessions'
    ev_rows, lane_rows, task_rows, in_tasks = [], [], [], False
    for l in lines:
        f = l.split()
        if l.startswith('tasks named by most events'):
            in_tasks = True
        elif in_tasks:
            if len(f) >= 3 and f[0].isdigit():
                task_rows.append((int(f[1]), ' '.join(f[2:]), int(f[0])))
        elif len(f) >= 3 and f[0].isdigit() and f[1].isdigit() and 'lost' not in f:
            ev_rows.append((int(f[1]), ' '.join(f[2:]), int(f[0])))
        elif len(f) >= 7 and f[0].isdigit() and f[2].isdigit() and 'lost' in f:
            lane_rows.append((int(f[0]), f[1], int(f[2]), int(f[3]), int(f[4]), int(f[5]),
                              ' '.join(f[7:])))
    jev, jlanes = [], []
    for i, s in enumerate(doc['sessions']):
        assert s['index'] == i
        h = sess[i]
        assert ('id %d, abi %s, clock %s, %d cpus, %d lanes, sub-buffer %d bytes, %d event types'
                % (s['session_id'], s['abi_version'], s['clock'], s['nr_cpus'], s['nr_lanes'],
                   s['subbuf_size'], s['nr_event_types'])) in h, 'header: ' + h
        jev += [(e['type'], e['name'] if e['name'] is not None else '(not described)', e['count'])
                for e in s['events']]
        jlanes += [(l['cpu'], l['lane'], l['subbufs'], l['events'], l['bytes'],
                    l['subbufs_missing'], lost_text(l['lost'])) for l in s['lanes']]
    assert ev_rows == jev, 'events by type: %s vs %s' % (ev_rows, jev)
    assert lane_rows == jlanes, 'lanes: %s vs %s' % (lane_rows, jlanes)
    t = doc['total']
    tot = [l for l in lines if l.startswith('total: ')][0]
    want = ('total: %d events in %d sub-buffers (%d record bytes), %d sub-buffers missing; lost %s (%d)'
            % (t['events'], t['subbufs'], t['bytes'], t['subbufs_missing'], lost_text(t['lost']),
               t['lost_total']))
    assert tot == want, tot + ' vs ' + want
    jtasks = [(k['pid'], k['comm'] if k['comm'] is not None else '?', k['events'])
              for k in doc['tasks']]
    assert task_rows == jtasks, 'tasks: %s vs %s' % (task_rows, jtasks)

cmd = sys.argv[1]
if cmd == 'valid':		# valid FILE: exit 0 if FILE is one JSON document
    try:
        json.loads(open(sys.argv[2], 'rb').read().decode('utf-8'))
    except Exception:
        sys.exit(1)
elif cmd == 'flat':		# flat FILE: "PATH VALUE" lines, as json_flat prints them
    for l in flat(load(sys.argv[2])):
        print(l)
elif cmd == 'get':		# get FILE KEY...: print doc[KEY]...
    v = load(sys.argv[2])
    for k in sys.argv[3:]:
        v = v[int(k)] if isinstance(v, list) else v[k]
    print(str(v).lower() if isinstance(v, bool) else v)
else:			# check|report JSON_FILE TEXT_FILE: same numbers as the text
    globals()[cmd](load(sys.argv[2]), open(sys.argv[3]).read())
PYEOF
py() { python3 "$T/jt.py" "$@" 2>"$T/pyerr"; }
pyresult() {	# pyresult NAME: the verdict of the command before
	if [ $? -eq 0 ]; then result OK "$1"; else result FAIL "$1" "$T/pyerr"; fi
}
for f in s c; do
	"$R" check "$T/$f.dat" >"$T/check.txt" 2>/dev/null
	expect_rc 0 "check --json $f.dat" -- "$R" check --json "$T/$f.dat"
	cp "$T/out" "$T/check-$f.json"
	py check "$T/check-$f.json" "$T/check.txt"
	pyresult "check --json $f.dat: valid, version 1, numbers of the text output"
	"$R" report "$T/$f.dat" >"$T/report.txt" 2>/dev/null
	expect_rc 0 "report --json $f.dat" -- "$R" report --json "$T/$f.dat"
	cp "$T/out" "$T/report-$f.json"
	py report "$T/report-$f.json" "$T/report.txt"
	pyresult "report --json $f.dat: valid, version 1, every number of the text output"
done
expect_rc 1 "check --json on a cut stream exits 1" -- "$R" check --json "$T/cut.dat"
off=$(sed -n 's/.*truncated at byte \([0-9]*\).*/\1/p' "$T/err")
[ "$(py get "$T/out" ok)" = false ] && [ "$(py get "$T/out" error code)" = truncated ] &&
	[ -n "$off" ] && [ "$(py get "$T/out" error offset)" = "$off" ]
pyresult "check --json cut: ok false, error truncated at the offset stderr names ($off)"
expect_rc 1 "report --json on a cut stream exits 1" -- "$R" report --json "$T/cut.dat"
[ "$(py get "$T/out" error offset)" = "$off" ] && [ "$(py get "$T/out" total events)" -gt 0 ]
pyresult "report --json cut: the events before the cut and the error"
expect_rc 1 "check --json --min-events" -- "$R" check --json --min-events 1 "$T/hdr.dat"
[ "$(py get "$T/out" ok)" = false ] && [ "$(py get "$T/out" min_events)" = 1 ] &&
	[ "$(py get "$T/out" error)" = None ]
pyresult "check --json --min-events: ok false, no decode error"
# Strings: quote, backslash, control characters, UTF-8 and a byte that is not UTF-8.
odd=$(printf '%s/q"b\\t\tn\001e\303\251x\377.dat' "$T")
cp "$T/s.dat" "$odd"
"$R" check --json "$odd" >"$T/odd.json" 2>"$T/err"
python3 - "$T/odd.json" "$odd" <<'PYEOF' 2>"$T/pyerr"
import json, os, sys
doc = json.loads(open(sys.argv[1], 'rb').read().decode('utf-8'))
want = os.fsencode(sys.argv[2]).decode('utf-8', errors='replace')
assert doc['file'] == want, repr(doc['file']) + ' vs ' + repr(want)
PYEOF
pyresult "--json escapes quote, backslash, controls; invalid UTF-8 becomes U+FFFD"

# The guest has no python3: vm_cli.sh checks info/stats --json with json_flat, an awk
# parser.  Here it must agree with python3 on every document and reject what python does.
sed -n '/^# BEGIN json_flat/,/^# END json_flat/p' "$here/vm_cli.sh" >"$T/jf.sh"
command -v busybox >/dev/null 2>&1 && awk() { busybox awk "$@"; }	# the guest's awk
. "$T/jf.sh"
for d in "$T/check-s.json" "$T/report-s.json" "$T/report-c.json" "$T/odd.json"; do
	json_flat <"$d" >"$T/flat.awk" 2>"$T/err" && py flat "$d" >"$T/flat.py" &&
		cmp -s "$T/flat.awk" "$T/flat.py"
	[ $? -eq 0 ] && result OK "json_flat == python3 on $(basename "$d")" ||
		{ diff "$T/flat.awk" "$T/flat.py" >>"$T/err"; result FAIL "json_flat == python3 on $(basename "$d")" "$T/err"; }
done
i=0
while IFS= read -r doc; do
	i=$((i + 1))
	printf '%s\n' "$doc" >"$T/bad.json"
	if ! json_flat <"$T/bad.json" >/dev/null 2>&1 && ! py valid "$T/bad.json"; then
		result OK "json_flat and python3 reject bad document $i: $doc"
	else
		echo "$doc" >"$T/err"
		result FAIL "json_flat and python3 reject bad document $i" "$T/err"
	fi
done <<'BADEOF'
{"a": 1,}
{"a": [1, 2,]}
{"a" 1}
{"a": 1 "b": 2}
{"a": "x}
{"a": "\q"}
{"a": "\u12"}
{"a": 01}
{"a": .5}
{"a": tru}
{"a": 1}}
{"a": 1} x
{"a": [}
{'a': 1}
BADEOF
printf '{"a": "tab\there"}\n' >"$T/bad.json"
! json_flat <"$T/bad.json" >/dev/null 2>&1 && ! py valid "$T/bad.json"
[ $? -eq 0 ] && result OK "json_flat and python3 reject a raw control character" ||
	result FAIL "json_flat and python3 reject a raw control character"
printf '{"a": 1, "a": 2}\n' | json_flat >/dev/null 2>&1
[ $? -ne 0 ] && result OK "json_flat rejects a duplicate key" || result FAIL "json_flat rejects a duplicate key"
printf ' {"e": {}, "l": [[], {"x": -0.5e+3}], "s": "\\u00e9\\"\\\\\\/", "t": true, "n": null}\n' >"$T/ok.json"
json_flat <"$T/ok.json" >"$T/flat.awk" 2>"$T/err" && py valid "$T/ok.json" &&
	grep -qx '.l\[1\].x -0.5e+3' "$T/flat.awk" && grep -qx '.n null' "$T/flat.awk"
[ $? -eq 0 ] && result OK "json_flat accepts what python3 does (empty containers, exponents, escapes)" ||
	result FAIL "json_flat accepts valid JSON" "$T/err"
unset -f awk

# --- v2: exporters, CRC, a later minor, another major
expect_rc 0 "decode --format list" -- "$R" decode --format list
grep -q "^text " "$T/out" && result OK "format list names text" || result FAIL "format list names text" "$T/out"
expect_rc 2 "decode --format bogus" -- "$R" decode --format bogus "$T/s.dat"
"$R" decode --format text "$T/s.dat" >"$T/text"
cmp -s "$T/text" "$T/merged" && result OK "--format text is the default output" ||
	result FAIL "--format text is the default output"
cp "$T/s.dat" "$T/crc.dat"
printf '\377' | dd of="$T/crc.dat" bs=1 seek=$((size - 2)) conv=notrunc 2>/dev/null
expect_rc 1 "check damaged capture fails" -- "$R" check "$T/crc.dat"
grep -q "bad-crc at byte [0-9]" "$T/err" && result OK "check names the damaged sub-buffer's offset" ||
	result FAIL "check names the damaged sub-buffer's offset" "$T/err"
"$GEN" future "$T/f.dat" || exit 1
expect_rc 0 "check a later minor's stream" -- "$R" check "$T/f.dat"
grep -q "5 events.* other=5" "$T/out" && result OK "later minor: events and unknown loss cause" ||
	result FAIL "later minor: events and unknown loss cause" "$T/out"
printf '\003' | dd of="$T/f.dat" bs=1 seek=4 conv=notrunc 2>/dev/null
expect_rc 1 "check another major fails" -- "$R" check "$T/f.dat"
grep -q "bad-abi-version at byte 0.*3\.3.*major version 2" "$T/err" &&
	result OK "another major: a clear message" || result FAIL "another major: a clear message" "$T/err"
expect_rc 2 "start --discard is a usage error" -- "$R" start --discard --device "$T/none"
expect_rc 1 "reset --discard: missing device" -- "$R" reset --discard --device "$T/none"

echo "1..$n"
[ $failed -eq 0 ]
