/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtrace CLI: the table of subcommands, with every word of their usage
 * text - one row per subcommand, in the order `rtrace help` lists them.
 *
 * CLI_COMMAND(name, fn, synopsis, summary, help): the subcommand the user
 * types as the string name, run by "int fn(int argc, char **argv)" with
 * argv[0] == name (a file cli/cmd_<name>.c defines it; one function may
 * serve several rows); synopsis is one line of arguments, summary one line
 * for the command list, help the rest of "rtrace help NAME" (struct
 * cli_cmd).  Adding a subcommand is that file and its row here: cli.h
 * declares every row's function, rtrace.c makes the table of them, and
 * the Makefile builds every .c file of cli/.
 *
 * No include guard: each includer defines CLI_COMMAND() first.
 */

#ifndef CONFIG_HELP
#define CONFIG_HELP \
"  --mode discard|overwrite  discard: drop new events when the ring is full (default);\n" \
"                            overwrite: flight recorder, keep the newest\n" \
"  --buffer-size SIZE        bytes of each ring; there is one ring per CPU per context lane\n" \
"                            (task, softirq, hardirq, nmi, spare), so memory is\n" \
"                            SIZE x CPUs x 5 (default 256K; suffixes K, M, G = KiB ...)\n" \
"  --subbuf-size SIZE        sub-buffer size, a power of two from 4K to 1M, at most half of\n" \
"                            --buffer-size (default 16K); the unit read() hands out\n" \
"  --cpus LIST               CPUs to trace, e.g. 0-3,6 (default: all)\n" \
"  --sources LIST            event sources: kapi (rtrace_emit() from other modules),\n" \
"                            sched, irq, syscalls, faults, block, workqueue, or all\n" \
"                            (default kapi); validate (test generators for\n" \
"                            'rtrace verify', not in all); 'rtrace info' shows what\n" \
"                            the loaded module supports; names: task names (pid, tgid,\n" \
"                            comm) at start, fork, exec and rename, added by the\n" \
"                            module to any source but kapi and validate\n" \
"  -e, --events LIST         kernel events to record, by name, and groups as --sources\n" \
"                            takes them, e.g. sched_switch,irq_handler_entry,syscalls;\n" \
"                            added to --sources; repeatable.  An unknown name lists the\n" \
"                            events; one this kernel lacks fails ('rtrace list')\n" \
"  --pid LIST                record only these processes' kernel events (all their\n" \
"                            threads), e.g. --pid 812,907; repeatable\n" \
"  --tid LIST                the same for single threads (not with --pid)\n" \
"  --follow                  tasks they create join the filter (children, threads),\n" \
"                            and theirs in turn; with record's COMMAND: COMMAND too.\n" \
"                            The filter keeps a kernel event if a task it names\n" \
"                            (sched_switch: prev or next, sched_wakeup: the woken) or,\n" \
"                            without one, the task running it (syscalls, faults) is\n" \
"                            in the set; interrupts, events in interrupt context,\n" \
"                            task names, markers and kapi events always pass.  At\n" \
"                            most 4096 ids, followed ones included (Documentation/abi.md)\n" \
"  --discard                 replace a session whose data nobody has read (without it,\n" \
"                            that fails: nothing recorded disappears unasked)\n"

#define DEVICE_HELP \
"  --device PATH             device to use (default $RTRACE_DEVICE or /dev/rtrace)\n"
#endif

CLI_COMMAND("record", cmd_record,
	    "[-o FILE] [-f] [--duration SEC] [--mmap] [config options] [[--] COMMAND [ARGS...]]",
	    "configure, start, and save the stream to a file until COMMAND exits, a signal or --duration",
	    "Configures a new session, starts it, and appends everything read from the device\n"
	    "to FILE until COMMAND exits, Ctrl-C (SIGINT, SIGTERM, SIGHUP) or --duration ends it;\n"
	    "then stops the session, flushes partly filled sub-buffers and reads what is left, so\n"
	    "FILE ends at a sub-buffer boundary and decodes entirely ('rtrace check FILE').\n"
	    "\n"
	    "With COMMAND (everything after the options; '--' before it is optional), rtrace\n"
	    "starts it once the session records and stops when it exits.  Its standard input,\n"
	    "output and error are rtrace's own, untouched (so -o - is refused with a COMMAND).\n"
	    "The exit status is then COMMAND's: its exit code, 128+N if signal N killed it, 127\n"
	    "if it was not found, 126 if it could not be executed (nothing is recorded when\n"
	    "COMMAND is not found), 1 if the recording itself failed.  rtrace records every\n"
	    "task, not only COMMAND's, unless --follow: then COMMAND's process joins the PID\n"
	    "filter before it execs, and every process and thread it creates after it, so the\n"
	    "kernel events of tasks are those of COMMAND and its descendants (interrupts stay).\n"
	    "\n"
	    "Signals, as perf record: SIGINT, SIGTERM or SIGHUP end the recording and FILE is\n"
	    "complete.  Ctrl-C on a terminal reaches COMMAND too (it is in the same process\n"
	    "group); rtrace forwards nothing, but a COMMAND still running once FILE is complete\n"
	    "gets SIGTERM and rtrace waits for it (one more signal sends it SIGKILL).  A second\n"
	    "signal while rtrace drains the rings cuts the drain at the next sub-buffer: FILE then\n"
	    "holds less, and still decodes.\n"
	    "\n"
	    "On a terminal, a status line on stderr shows about once a second the elapsed time,\n"
	    "events written by the kernel, bytes in FILE, events lost by cause and events per\n"
	    "second; off a terminal nothing is printed until the end (--status changes that).\n"
	    "The end is always a summary on stderr: events, bytes, FILE, events lost by cause,\n"
	    "and a warning naming each cause of loss with the option that avoids it.\n"
	    "  -o, --output FILE         where to write (default rtrace.dat, '-' for stdout); an\n"
	    "                            existing regular file is refused (nothing is touched)\n"
	    "  -f, --force               replace an existing FILE\n"
	    "  --duration SEC            stop after SEC seconds (decimals allowed), even if\n"
	    "                            COMMAND still runs (it then gets SIGTERM, as above)\n"
	    "  --mmap                    read through the mmap data area instead of read() (no\n"
	    "                            read() calls; the kernel still copies each sub-buffer)\n"
	    "  --status auto|always|never  the status line: on a terminal only (default), also\n"
	    "                            into a file or pipe (each redraw starts with CR), or never\n"
	    CONFIG_HELP DEVICE_HELP
	    "Examples: rtrace record -o trace.dat --duration 5 --buffer-size 1M --cpus 0-1\n"
	    "          rtrace record -f -o build.dat -- make -j4\n"
	    "          rtrace record -e sched,syscalls --follow -o ls.dat -- ls -l /\n"
	    "          rtrace record -e syscalls --pid 812 --follow --duration 10\n")
CLI_COMMAND("configure", cmd_configure,
	    "[config options]",
	    "set up a session (geometry, mode, sources, CPUs) without starting it",
	    "Session control for scripts: the session belongs to the device, not to the\n"
	    "process, so 'rtrace configure; rtrace start; cat /dev/rtrace > f & ...; rtrace stop'\n"
	    "works.  Fails while a session is running (stop it first), and while the previous\n"
	    "session holds data nobody has read, unless --discard.\n"
	    CONFIG_HELP DEVICE_HELP)
CLI_COMMAND("start", cmd_control, "[--device PATH]", "start recording (after configure or stop)",
	    "Starts the configured session.\n" DEVICE_HELP)
CLI_COMMAND("stop", cmd_control, "[--device PATH]", "stop recording; readers then drain and see EOF",
	    "Stops the session; what was recorded stays readable until the next configure.\n"
	    DEVICE_HELP)
CLI_COMMAND("flush", cmd_control, "[--device PATH]", "publish partly filled sub-buffers to readers",
	    "Makes every non-empty sub-buffer readable now instead of when it fills.\n" DEVICE_HELP)
CLI_COMMAND("snapshot", cmd_snapshot, "-o FILE [-f] | --stop [-o FILE] [--device PATH]",
	    "flight recorder: the newest data to a file, recording goes on",
	    "With -o FILE: writes what the session's ring holds now to FILE, as a capture\n"
	    "('rtrace decode FILE'), while recording goes on; take one again and again, each\n"
	    "holds what no earlier snapshot read.  It flushes partly filled sub-buffers,\n"
	    "then reads as the session's consumer until every CPU and lane delivered what it\n"
	    "had published at that moment; each sub-buffer is copied whole and consistent\n"
	    "(what writers overwrite meanwhile is counted as lost in the file, as always).\n"
	    "Use it on a --mode overwrite session, which keeps the newest data; no other\n"
	    "reader (rtrace record, cat /dev/rtrace) may be running.\n"
	    "With --stop: stops the session (the SNAPSHOT ioctl: writers stop, everything is\n"
	    "published); with -o FILE also drains it into FILE.\n"
	    "  -o, --output FILE         where to write ('-': standard output); an existing\n"
	    "                            regular file is refused (nothing is touched)\n"
	    "  -f, --force               replace an existing FILE\n"
	    "  --stop                    stop the session instead of letting it record\n"
	    DEVICE_HELP
	    "Recipe (keep the last seconds only when a test fails):\n"
	    "  rtrace configure --mode overwrite --buffer-size 4M && rtrace start\n"
	    "  ./run-tests || rtrace snapshot -o failure.dat\n"
	    "  rtrace reset --discard\n")
CLI_COMMAND("reset", cmd_control, "[--discard] [--device PATH]", "drop the session and free its buffers",
	    "Returns the device to the empty state.  Fails while mapped, and while the session\n"
	    "is running or holds data nobody has read, unless --discard says to drop it.\n"
	    "  --discard                 drop data nobody has read\n" DEVICE_HELP)
CLI_COMMAND("mark", cmd_mark, "[--device PATH] TEXT...|-",
	    "write one user marker into the running session, e.g. around the phases of a script",
	    "Records TEXT (the arguments joined by spaces, as echo does, without a newline; '-'\n"
	    "reads the marker's bytes from standard input instead) as one 'marker' event of the\n"
	    "running session: the same as write() on /dev/rtrace.  It is stamped on the session's\n"
	    "clock when the kernel writes it, in this task's context, on the CPU rtrace runs on,\n"
	    "and is recorded whole or not at all.  'rtrace decode' shows it as text (bytes that\n"
	    "are not printable as \\xNN).  At most marker_max bytes ('rtrace info'):\n"
	    "subbuf_size - 86, 4010 bytes with 4 KiB sub-buffers.  Fails (exit 1, nothing\n"
	    "recorded) with no running session, an empty or oversized TEXT, or when the session\n"
	    "does not record on this CPU; in discard mode with a full ring the marker is counted\n"
	    "as lost and rtrace mark fails too.\n"
	    DEVICE_HELP
	    "Example:  rtrace mark phase 1 begins; ./phase1; rtrace mark phase 1 done\n")
CLI_COMMAND("stats", cmd_stats, "[-a] [--json] [--device PATH]", "per CPU and lane counters from the kernel",
	    "Prints written, lost by cause, bytes, nested writes and sub-buffers written/read\n"
	    "for every (cpu, lane) with activity, and a total line.\n"
	    "  -a, --all                 also print lanes with all counters zero\n"
	    "  --json                    one JSON document instead (Documentation/json.md)\n" DEVICE_HELP)
CLI_COMMAND("info", cmd_info, "[--json] [--device PATH]", "ABI version, session state and geometry",
	    "Prints the module's ABI version and the session's state, geometry and sources.\n"
	    "  --json                    one JSON document instead (Documentation/json.md)\n" DEVICE_HELP)
CLI_COMMAND("decode", cmd_decode, "[--format NAME] [--order merged|stream] [--raw-ts] [FILE|-]",
	    "print every event: ts_ns cpu lane event args",
	    "Decodes a capture (default rtrace.dat; '-' reads standard input) and prints one\n"
	    "line per event: timestamp in CLOCK_MONOTONIC ns, cpu, lane, event name, and\n"
	    "the arguments as name=value by the stream's event table (S64 fields signed,\n"
	    "HEX fields in hex, raw payloads as hex bytes).  Problems in the input are\n"
	    "reported on stderr with their byte offset; the exit status is then 1.\n"
	    "  --order merged            all lanes merged by timestamp (default)\n"
	    "  --order stream            sub-buffer by sub-buffer, as stored\n"
	    "  --raw-ts                  print the raw clock value instead of ns\n"
	    "  --format NAME             output format (exporter): text (default); --format list\n"
	    "                            lists the formats this build has\n")
CLI_COMMAND("report", cmd_report, "[--json] [FILE|-]",
	    "summary: sessions, events by type, per lane written/lost by cause",
	    "Prints each session's header, event counts by type, and per (cpu, lane): sub-buffers,\n"
	    "events, bytes, sub-buffers missing (seq gaps) and events lost by cause; then totals.\n"
	    "  --json                    one JSON document instead (Documentation/json.md)\n")
CLI_COMMAND("check", cmd_check, "[--min-events N] [--json] FILE",
	    "exit 0 only if FILE decodes entirely; print loss totals",
	    "Validates a capture: exit 0 if every byte decodes (a file cut at a sub-buffer\n"
	    "boundary does) and passes every check of the format (CRC32C of every unit, CPU and\n"
	    "lane bounds, event types and argument counts against the event table, sequence\n"
	    "numbers against the mode), 1 otherwise with the first problem and its byte offset.\n"
	    "Prints events, sub-buffers, sessions and lost events by cause.\n"
	    "  --min-events N            also fail if fewer than N events decode\n"
	    "  --json                    one JSON document instead (Documentation/json.md)\n")
CLI_COMMAND("convert", cmd_convert, "--to FORMAT -o OUT [-f] FILE|-",
	    "write a capture as CTF (babeltrace2, Trace Compass) or Perfetto (ui.perfetto.dev)",
	    "Converts the capture FILE ('-' reads standard input) with an exporter of the\n"
	    "library: every event, in timestamp order, with the stream's event names and fields.\n"
	    "  --to ctf        CTF 1.8 trace directory: -o DIR gets 'metadata' and one packet\n"
	    "                  stream per CPU and lane.  Open it with 'babeltrace2 DIR' or Trace\n"
	    "                  Compass (File > Open Trace, the 'metadata' file); event and field\n"
	    "                  names follow LTTng's kernel tracer, losses are CTF discarded events\n"
	    "  --to perfetto   Perfetto protobuf trace: -o FILE.pftrace; open it in\n"
	    "                  https://ui.perfetto.dev (Open trace file): CPU scheduling tracks,\n"
	    "                  threads, interrupts and syscalls, markers and rtrace_emit() events\n"
	    "                  as instants on a track per CPU\n"
	    "  --to text       the lines 'rtrace decode' prints; --to list lists every format\n"
	    "  -o, --output OUT  where to write ('-' for standard output, not for ctf); a device\n"
	    "                  or FIFO is written to as it is\n"
	    "  -f, --force     replace an existing OUT (a directory only if it holds nothing but a\n"
	    "                  CTF trace); without it an existing OUT is refused, nothing touched\n"
	    "Problems in the input are reported with their byte offset and the exit status is\n"
	    "then 1; what decoded before them is converted.  Documentation/export.md has the\n"
	    "mapping of every event and what each viewer shows.\n"
	    "Examples: rtrace convert trace.dat --to ctf -o trace.ctf && babeltrace2 trace.ctf\n"
	    "          rtrace convert trace.dat --to perfetto -o trace.pftrace\n")
CLI_COMMAND("verify", cmd_verify, "[--max-problems N] FILE",
	    "prove a capture of the validation source complete; last line verify: ok|FAIL",
	    "For captures recorded with --sources validate (the test generators of rtrace.ko,\n"
	    "Documentation/abi.md \"The validation source\"), stopped and read to the end.\n"
	    "Checks, per session and CPU: every record decodes and its check value holds (one\n"
	    "that holds for another CPU is reported on the wrong CPU); no generator's sequence\n"
	    "number appears twice or beyond its attempts; each generator's records are on its\n"
	    "lane or the spare lane; timestamps never go backwards within a (cpu, lane); and the\n"
	    "generators' in-band counters add up: attempts = successes + failures by errno,\n"
	    "successes = records read + overwritten, failures by errno = lost by cause, so every\n"
	    "event attempted is read once or counted lost.  Records of other sources are allowed\n"
	    "(the loss checks then become upper bounds).\n"
	    "Prints each problem (at most --max-problems, default 20), the losses, the nesting\n"
	    "by lane pair (a<-b: writes on lane b that began while lane a was busy), per lane\n"
	    "the number of CPUs with records there, then the\n"
	    "last line: 'verify: ok events=N lost=N torn=0 nested=N' (exit 0) or 'verify: FAIL\n"
	    "...' with counts by kind of problem (exit 1).\n"
	    "  --max-problems N          describe at most N problems (all are counted)\n")
CLI_COMMAND("list", cmd_list, "[--device PATH]",
	    "every event type with its fields, and whether this kernel has it",
	    "Lists the event types of the loaded module (RTRACE_IOC_EVENTS): name, type id,\n"
	    "group (what --sources and -e take), whether this kernel has the tracepoint\n"
	    "('unavailable': the kernel lacks it, -e refuses it; 'module API': written by\n"
	    "modules through rtrace_emit(), recorded with the kapi group), and the fields in\n"
	    "record order as name:type (u64, s64 signed, hex).  Needs no session.\n"
	    DEVICE_HELP)
