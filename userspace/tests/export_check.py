#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check what rtrace convert wrote against rtrace decode of the same capture.

  export_check.py ctf DECODE.txt BT2.txt BT2.err REPORT.json
      DECODE.txt: rtrace decode output; BT2.txt/BT2.err: stdout/stderr of
      babeltrace2 --clock-cycles --no-delta DIR; REPORT.json: rtrace report
      --json.  Every event must match (name, timestamp, cpu, lane, every
      field), in the mapping Documentation/export.md gives; the discarded
      events babeltrace2 warns about must equal the capture's lost counts,
      stream by stream ('-' for REPORT.json skips that part).
  export_check.py perfetto DECODE.txt PROTOC.txt
      PROTOC.txt: protoc --decode=perfetto.protos.Trace of the .pftrace.
      Counts of every ftrace event kind and of the TrackEvent instants, the
      timestamps of each, and the pid/comm fields of every sched_switch.

The mapping is written here again from Documentation/export.md, not taken
from the C code, so that the two check each other.  Prints one line per
problem (at most 20) and exits 1 if there is any.
"""
import codecs
import json
import struct
import re
import sys

LANES = ["task", "softirq", "hardirq", "nmi", "spare"]
RENAMES = {
    "softirq_entry": "irq_softirq_entry",
    "softirq_exit": "irq_softirq_exit",
    "softirq_raise": "irq_softirq_raise",
    "sys_enter": "syscall_entry_unknown",
    "sys_exit": "syscall_exit_unknown",
    "local_timer_entry": "x86_irq_vectors_local_timer_entry",
    "local_timer_exit": "x86_irq_vectors_local_timer_exit",
    "page_fault_user": "x86_exceptions_page_fault_user",
    "page_fault_kernel": "x86_exceptions_page_fault_kernel",
}
FTRACE = ["sched_switch", "sched_wakeup", "sched_waking", "sched_wakeup_new",
          "sched_process_exit", "sched_process_fork", "irq_handler_entry", "irq_handler_exit",
          "softirq_entry", "softirq_exit", "softirq_raise", "sys_enter", "sys_exit"]

problems = []


def problem(msg):
    problems.append(msg)


def utf8_len(b, i):
    """Length of the valid UTF-8 sequence of 2..4 bytes at b[i:], 0 if none."""
    for n in (2, 3, 4):
        try:
            c = b[i:i + n].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if len(c) == 1 and ord(c) >= 0x80:
            return n
    return 0


def xtext(b):
    """What the exporters write for text (Documentation/export.md): printable
    ASCII and valid UTF-8 as is, a backslash doubled, other bytes as \\xNN,
    up to the first NUL."""
    b = b.split(b"\0")[0]
    out, i = [], 0
    while i < len(b):
        c = b[i]
        n = utf8_len(b, i)
        if c == 0x5c:
            out.append("\\\\")
            i += 1
        elif 0x20 <= c < 0x7f:
            out.append(chr(c))
            i += 1
        elif n:
            out.append(b[i:i + n].decode("utf-8"))
            i += n
        else:
            out.append("\\x%02x" % c)
            i += 1
    return "".join(out)


def unescape(esc):
    """One escape of rtrace decode's marker text, without its backslash."""
    if esc[:1] == b"x" and len(esc) == 3:
        return bytes([int(esc[1:], 16)])
    return {b"n": b"\n", b"t": b"\t"}.get(esc, esc)


def unescape_all(text):
    """rtrace decode's escaped text (markers, comms) back to its bytes."""
    return re.sub(rb'\\(x[0-9a-fA-F]{2}|.)', lambda e: unescape(e.group(1)),
                  text.encode("latin-1"))


def parse_decode(path):
    """rtrace decode lines -> list of dicts (ts, cpu, lane, name, fields list)."""
    evs = []
    with open(path, encoding="latin-1") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 4:
                continue
            ev = {"ts": int(parts[0]), "cpu": int(parts[1]), "lane": parts[2],
                  "name": parts[3], "fields": []}
            m = re.search(r' len=(\d+) text="(.*)"$', line.rstrip("\n"))
            if m:	# a marker as text: \" \\ \n \t \xNN escapes
                ev["fields"] = [("len", int(m.group(1))), ("data", unescape_all(m.group(2)))]
                evs.append(ev)
                continue
            m = re.search(r' pid=(\d+) tgid=(\d+) comm="(.*)"$', line.rstrip("\n"))
            if m:	# a task name printed as such
                ev["task"] = (int(m.group(1)), int(m.group(2)), unescape_all(m.group(3)))
                ev["fields"] = [("len", 8 + len(ev["task"][2])),
                                ("data", struct.pack("<II", *ev["task"][:2]) + ev["task"][2])]
                evs.append(ev)
                continue
            for kv in parts[4:]:
                k, _, v = kv.partition("=")
                if k == "data":
                    ev["fields"].append((k, bytes.fromhex(v)))
                else:	# a pid may be followed by its task's name: pid=123(cat)
                    ev["fields"].append((k, int(v.split("(")[0], 0)))
            if ev["name"] == "task_name" and len(ev["fields"]) == 2:
                raw = ev["fields"][1][1]
                ev["task"] = struct.unpack("<II", raw[:8]) + (raw[8:24],)
            evs.append(ev)
    return evs


class TaskNames:
    """pid -> comm over time, from the task_name records of the capture."""

    def __init__(self, evs):
        self.recs = {}
        for ev in evs:
            if "task" not in ev:
                continue
            pid, tgid, comm = ev["task"]
            self.recs.setdefault(pid, []).append((ev["ts"], tgid, comm))
        for v in self.recs.values():
            v.sort()

    def comm(self, pid, ts, cpu):
        recs = self.recs.get(pid)
        if not recs:
            return "swapper/%d" % cpu if pid == 0 else ""
        best = recs[0]
        for r in recs:
            if r[0] <= ts:
                best = r
        return xtext(best[2])


def ident(name):
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def expected_ctf(ev, names):
    """The CTF event (name, fields) that rtrace's mapping makes of a decoded event."""
    name = RENAMES.get(ev["name"], ev["name"])
    out = []
    fields = ev["fields"]
    if "task" in ev:
        return name, [("pid", ev["task"][0]), ("tgid", ev["task"][1]), ("comm", xtext(ev["task"][2]))]
    if fields and fields[0][0] == "len" and len(fields) == 2 and fields[1][0] == "data":
        data = fields[1][1]
        if ev["name"] == "marker":
            out.append(("msg", xtext(data)))
        else:
            out.append(("len", len(data)))
            out.append(("data", list(data)))
        return name, out
    sched = ev["name"].startswith("sched_")
    for k, v in fields:
        if sched and (k == "pid" or k.endswith("_pid")):
            pre = k[:-3]
            out.append((ident(pre + "comm"), names.comm(v, ev["ts"], ev["cpu"])))
            out.append((ident(pre + "tid"), v))
        else:
            out.append((ident(k), v))
    return name, out


class Bt2Parser:
    """One babeltrace2 pretty line: [ts] trace name: { ctx }, { fields }."""

    LINE = re.compile(r"^\[(\d+)\] (\S+) (.+?): \{ (.*) \}$")

    def __init__(self, s):
        self.s, self.i = s, 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1

    def expect(self, t):
        self.ws()
        if not self.s.startswith(t, self.i):
            raise ValueError("expected %r at %d in %r" % (t, self.i, self.s))
        self.i += len(t)

    def value(self):
        self.ws()
        c = self.s[self.i]
        if c == '"':
            self.i += 1
            out = []
            while self.s[self.i] != '"':
                if self.s[self.i] == "\\":
                    self.i += 1
                out.append(self.s[self.i])
                self.i += 1
            self.i += 1
            return "".join(out)
        if c == "[":
            self.i += 1
            vals = []
            self.ws()
            while self.s[self.i] != "]":
                self.expect("[")
                while self.s[self.i] != "]":
                    self.i += 1
                self.expect("]")
                self.expect("=")
                vals.append(self.value())
                self.ws()
                if self.s[self.i] == ",":
                    self.i += 1
                self.ws()
            self.i += 1
            return vals
        if c == "{":
            return self.struct()
        m = re.compile(r"-?(0x[0-9A-Fa-f]+|\d+)").match(self.s, self.i)
        if not m:
            raise ValueError("bad value at %d in %r" % (self.i, self.s))
        self.i = m.end()
        return int(m.group(0), 0)

    def struct(self):
        self.expect("{")
        out = []
        self.ws()
        while self.s[self.i] != "}":
            m = re.compile(r"([A-Za-z0-9_]+) = ").match(self.s, self.i)
            if not m:
                raise ValueError("bad field at %d in %r" % (self.i, self.s))
            self.i = m.end()
            out.append((m.group(1), self.value()))
            self.ws()
            if self.s[self.i] == ",":
                self.i += 1
            self.ws()
        self.i += 1
        return out


def parse_bt2(path):
    evs = []
    head = re.compile(r"^\[(\d+)\] (\S+) (.+?): ")
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = head.match(line)
            if not m:
                problem("babeltrace2 line not understood: %r" % line[:120])
                continue
            p = Bt2Parser(line)
            p.i = m.end()
            ctx = dict(p.struct())
            p.expect(",")
            fields = p.struct()
            evs.append({"ts": int(m.group(1)), "name": m.group(3), "cpu": ctx["cpu_id"],
                        "lane": LANES[ctx["lane"]], "fields": fields})
    return evs


def check_ctf(decode, bt2_out, bt2_err, report):
    dec = parse_decode(decode)
    names = TaskNames(dec)
    got = parse_bt2(bt2_out)
    key = lambda e: (e[0], e[1], e[2], e[3], repr(e[4]))
    want = sorted(((e["ts"], e["cpu"], e["lane"]) + expected_ctf(e, names) for e in dec), key=key)
    have = sorted(((e["ts"], e["cpu"], e["lane"], e["name"], e["fields"]) for e in got), key=key)
    if len(want) != len(have):
        problem("events: rtrace decode %d, babeltrace2 %d" % (len(want), len(have)))
    for w, h in zip(want, have):
        if w != h:
            problem("event differs:\n#   decode     %r\n#   babeltrace2 %r" % (w, h))
            break
    # Discarded events, per stream, against the capture's lost counts.
    if report == "-":
        print("# %d events compared" % len(have))
        return
    lost = {}
    with open(report, encoding="utf-8") as f:
        rep = json.load(f)
    for s in rep["sessions"]:
        for ln in s["lanes"]:
            n = sum(ln["lost"].values())
            if n:
                pre = "s%d_" % s["index"] if s["index"] else ""
                lost["%scpu%d_%s" % (pre, ln["cpu"], ln["lane"])] = n
    seen = {}
    pat = re.compile(r"Tracer discarded (\d+) events? between .* within stream \"[^\"]*/([^/\"]+)\"")
    with open(bt2_err, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = pat.search(line)
            if m:
                seen[m.group(2)] = seen.get(m.group(2), 0) + int(m.group(1))
            elif "discarded" in line or "ERROR" in line:
                problem("babeltrace2 says: %s" % line.strip()[:200])
    if lost != seen:
        problem("discarded events: capture %r, babeltrace2 %r" % (lost, seen))
    print("# %d events compared, discarded %s" % (len(have), seen))


def parse_protoc(path):
    """protoc's text format -> nested (name, value) lists."""
    root = []
    stack = [root]
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.endswith("{"):
                node = []
                stack[-1].append((line[:-1].strip(), node))
                stack.append(node)
            elif line == "}":
                stack.pop()
            elif ":" in line:
                k, _, v = line.partition(":")
                v = v.strip()
                if v.startswith('"'):
                    v = codecs.escape_decode(v[1:-1].encode("utf-8"))[0].decode("utf-8")
                elif re.fullmatch(r"-?\d+", v):
                    v = int(v)
                stack[-1].append((k.strip(), v))
    return root


def get(node, k, default=None):
    for kk, v in node:
        if kk == k:
            return v
    return default


def check_perfetto(decode, protoc_txt):
    dec = parse_decode(decode)
    names = TaskNames(dec)
    trace = parse_protoc(protoc_txt)
    ftrace = []		# (name, ts, cpu, pid, body)
    instants = []	# (ts, name)
    for k, pkt in trace:
        if k != "packet":
            continue
        b = get(pkt, "ftrace_events")
        if b is not None:
            cpu = get(b, "cpu")
            for kk, ev in b:
                if kk != "event":
                    continue
                body = [(n, v) for n, v in ev if isinstance(v, list)]
                if len(body) != 1:
                    problem("ftrace event without exactly one payload: %r" % ev)
                    continue
                ftrace.append((body[0][0], get(ev, "timestamp"), cpu, get(ev, "pid", 0), body[0][1]))
        te = get(pkt, "track_event")
        if te is not None:
            data = [get(a, "string_value") for k2, a in te
                    if k2 == "debug_annotations" and get(a, "name") == "data"]
            instants.append((get(pkt, "timestamp"), get(te, "name"), data[0] if data else None))
    want_f = sorted((e["name"], e["ts"], e["cpu"]) for e in dec if e["name"] in FTRACE)
    have_f = sorted((e[0], e[1], e[2]) for e in ftrace)
    if want_f != have_f:
        problem("ftrace events (name, ts, cpu) differ: decode %d, perfetto %d; first difference %r"
                % (len(want_f), len(have_f),
                   next(((w, h) for w, h in zip(want_f, have_f) if w != h), None)))
    # Every other event is one instant; losses add "rtrace: N events lost" instants.
    want_i = sorted((e["ts"], e["name"] if e["name"] != "marker" else
                     xtext(dict(e["fields"])["data"]),
                     dict(e["fields"])["data"].hex() if "data" in dict(e["fields"]) else None)
                    for e in dec if e["name"] not in FTRACE and e["name"] != "task_name")
    have_i = sorted(i for i in instants if not str(i[1]).startswith("rtrace: "))
    if want_i != have_i:
        problem("instants differ: decode %d, perfetto %d; first difference %r"
                % (len(want_i), len(have_i),
                   next(((w, h) for w, h in zip(want_i, have_i) if w != h), None)))
    # Every sched_switch: pids, prios, state and both comms.
    sw = {(e["ts"], e["cpu"]): e for e in dec if e["name"] == "sched_switch"}
    n = 0
    for name, ts, cpu, pid, body in ftrace:
        if name != "sched_switch":
            continue
        e = sw.get((ts, cpu))
        if not e:
            problem("sched_switch at %d cpu %d not in the capture" % (ts, cpu))
            continue
        f = dict(e["fields"])
        want = {"prev_pid": f["prev_pid"], "next_pid": f["next_pid"],
                "prev_prio": f["prev_prio"], "next_prio": f["next_prio"],
                "prev_state": f["prev_state"],
                "prev_comm": names.comm(f["prev_pid"], ts, cpu),
                "next_comm": names.comm(f["next_pid"], ts, cpu)}
        have = {k: get(body, k, 0 if "comm" not in k else "") for k in want}
        if want != have or pid != f["prev_pid"]:
            problem("sched_switch at %d cpu %d: want %r pid %d, have %r pid %d"
                    % (ts, cpu, want, f["prev_pid"], have, pid))
        n += 1
    print("# %d ftrace events, %d sched_switch checked, %d instants" % (len(have_f), n, len(have_i)))


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "ctf":
        check_ctf(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "perfetto":
        check_perfetto(*sys.argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for p in problems[:20]:
        print("# " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
