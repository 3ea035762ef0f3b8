# SPDX-License-Identifier: GPL-2.0
# bench/run's report: tables, "ratio NAME = X.XX" lines and "target NAME =
# VALUE (goal <= LIMIT) met|missed" lines from the guest's "result"/"stats"
# lines.  One input file per mode (icount.txt, tcg.txt).
#
# Every ratio compares rtrace and ftrace on the same clock and says which:
# local/local (trace_clock_local() on both sides), tsc/x86-tsc (rtrace's raw
# TSC against ftrace's x86-tsc clock).  ftrace's private ring buffer
# (ftrace_rsv, ftrace_wr) can only use local; on x86-tsc it is derived:
# ftrace_rsv(local) - (ftrace_ev(local) - ftrace_ev_tsc(x86-tsc)), the
# clock difference measured in the same boot, payload and context by the
# module's own ftrace event in a tracefs instance set to each clock; such
# ratios say "x86-tsc derived".

FNR == 1 {
	mode = FILENAME
	sub(/.*\//, "", mode)
	sub(/\.txt$/, "", mode)
	if (mode != "tp" && mode != "tput" && !(mode in seen)) {
		seen[mode] = 1
		order[nmodes++] = mode
	}
}
$1 == "result" {
	k = $2 SUBSEP $3 SUBSEP $4 SUBSEP mode
	med[k] = $5 / 1000
	lo[k] = $6 / 1000
	hi[k] = $7 / 1000
}
$1 == "stats" && $2 == "total" && mode == order[0] {
	dens_written = $3
	dens_bytes = $9
}
$1 == "stats_raw" && $2 == "total" && mode == order[0] {
	draw_written = $3
	draw_bytes = $9
}
$1 == "bytes" {
	fbytes[$2 SUBSEP $3] = $4
}
# bench/tp.sh: "tp LABEL WORKLOAD ITERS NS EVENTS", one per timed loop.
$1 == "tp" && $4 > 0 {
	k = $2 SUBSEP $3
	n = ++tpn[k]
	tpns[k, n] = $5 / $4
	tpev[k, n] = $6 / $4
	tpseen = 1
}
$1 == "tpbytes" && $2 == "ftrace" {
	tpf_events += $3 + $4
	tpf_bytes += $5
}
$1 == "tpbytes" && $2 == "rtrace" {
	tpr_switch = $3
	tpr_names = $4
	tpr_bytes = $5
}

# ---- bench/tput.sh (mode tput): rtrace record's cost and rate --------------
# "tput KIND GEOM PATH BURST PERIOD_US STATUS CHILD_NS KWORKER_NS WALL_NS
#  BYTES EVENTS LOST CHECK", one per `rtrace record` run.
$1 == "tput" && NF >= 14 {
	tu_n++
	tu_kind[tu_n] = $2
	tu_geom[tu_n] = $3
	tu_path[tu_n] = $4
	tu_burst[tu_n] = $5
	tu_period[tu_n] = $6
	tu_clean[tu_n] = $7 == 0 && $13 == 0 && $14 == "ok"
	tu_child[tu_n] = $8
	tu_kw[tu_n] = $9
	tu_wall[tu_n] = $10
	tu_bytes[tu_n] = $11
	tu_events[tu_n] = $12
	tu_lost[tu_n] = $13
	tu_check[tu_n] = $14
}
$1 == "tput_ceiling" {
	tu_ceiling[$2] = 1
}
# ---- end of mode tput's input ---------------------------------------------

function has(w, pl, ctx, mo) {
	return (w SUBSEP pl SUBSEP ctx SUBSEP mo) in med
}

function v(w, pl, ctx, mo) {
	return med[w SUBSEP pl SUBSEP ctx SUBSEP mo]
}

# ftrace's private buffer on x86-tsc, derived (see the top); -1 if not measured.
function rsv_tsc(w, pl, ctx, mo,    cctx) {
	cctx = ctx == "nmi_nested" ? "nmi" : ctx
	if (!has(w, pl, ctx, mo) || !has("ftrace_ev", pl, cctx, mo) ||
	    !has("ftrace_ev_tsc", pl, cctx, mo))
		return -1
	return v(w, pl, ctx, mo) - (v("ftrace_ev", pl, cctx, mo) - v("ftrace_ev_tsc", pl, cctx, mo))
}

# Order statistic of tp figures: q = 0 min, 0.5 median, 1 max, of key k's
# NS per iteration (what = "ns") or events per iteration ("ev"); the labels
# in the space-separated list "ks" are pooled.  -1 if none.
function tpq(ks, w, what, q,    nk, kk, i, j, n, a, x) {
	nk = split(ks, kk, " ")
	n = 0
	for (i = 1; i <= nk; i++)
		for (j = 1; j <= tpn[kk[i] SUBSEP w]; j++)
			a[++n] = what == "ns" ? tpns[kk[i] SUBSEP w, j] : tpev[kk[i] SUBSEP w, j]
	if (n == 0)
		return -1
	for (i = 2; i <= n; i++) {	# insertion sort: a few dozen values
		x = a[i]
		for (j = i - 1; j >= 1 && a[j] > x; j--)
			a[j + 1] = a[j]
		a[j + 1] = x
	}
	return a[int(q * (n - 1)) + 1]
}

# Instructions a configuration adds per event over "nothing enabled" (the
# loaded-idle loops, before and after the sessions), for order statistic q
# of both, divided by the events it recorded (median per iteration); for
# the floor, which records nothing, by rtrace's events of the same workload.
function tpadd(l, w, q,    ev) {
	ev = tpq(l == "floor" ? "rtrace_local" : l, w, "ev", 0.5)
	if (ev <= 0 || tpq(l, w, "ns", q) < 0 || tpq("off idle", w, "ns", q) < 0)
		return -1
	return (tpq(l, w, "ns", q) - tpq("off idle", w, "ns", q)) / ev
}

function ratio(name, a, b) {
	if (a < 0 || b <= 0) {
		printf "ratio %s = n/a\n", name
		return -1
	}
	printf "ratio %s = %.2f\n", name, a / b
	return a / b
}

# One target line; r < 0 (not measured) is a miss; prec: decimals (default 2).
function target(name, r, max, unit, prec,    f) {
	ntargets++
	if (r == "" || r < 0) {
		printf "target %s = n/a (goal <= %s%s) missed\n", name, max, unit
		nmissed++
		return
	}
	f = "%." (prec == "" ? 2 : prec) "f"
	if (r <= max * (1 + 1e-9)) {	# exactly on the limit is met
		printf "target %s = " f "%s (goal <= %s%s) met\n", name, r, unit, max, unit
	} else {
		printf "target %s = " f "%s (goal <= %s%s) missed\n", name, r, unit, max, unit
		nmissed++
	}
}

END {
	nimpl = split("rtrace rtrace_tsc rtrace_nolane rtrace_off rtrace_cfg rtrace_stopped " \
		      "rtrace_full ftrace_rsv ftrace_wr ftrace_ev ftrace_ev_tsc floor_tsc floor_local",
		      impls, " ")
	nctx = split("task hardirq nmi nmi_nested task_rec", ctxs, " ")
	npl = split("raw16 sched bigpid addr bigpid_g200 bigpid_g20k addr_g200 addr_g20k huge addr8",
		    pls, " ")
	nshape = split("bigpid addr bigpid_g200 bigpid_g20k addr_g200 addr_g20k", shapes, " ")
	clk["rtrace"] = "local/local"
	clk["rtrace_tsc"] = "tsc/x86-tsc"
	floor["rtrace"] = "floor_local"
	floor["rtrace_tsc"] = "floor_tsc"
	printf "Writers: rtrace = the clock rtrace picks in this VM (trace_clock_local(); TCG has\n"
	printf "no invariant TSC); rtrace_tsc = the raw TSC forced (clock=tsc), as on hosts with an\n"
	printf "invariant TSC.  ftrace_rsv/ftrace_wr: ftrace's ring buffer (a private buffer, always\n"
	printf "trace_clock_local()); ftrace_ev/ftrace_ev_tsc: the same payload as a real ftrace\n"
	printf "event in a tracefs instance on trace_clock local / x86-tsc.  Ratios name their\n"
	printf "clocks: local/local, tsc/x86-tsc, or tsc/x86-tsc derived (ftrace_rsv minus the\n"
	printf "measured local-to-x86-tsc difference of ftrace_ev, same boot, payload, context).\n"
	printf "rtrace_off: rtrace.ko loaded, no session; rtrace_cfg: a session configured, never\n"
	printf "started; rtrace_stopped: started then stopped (counts RTRACE_LOST_OFF);\n"
	printf "rtrace_full: a full discard-mode ring (every write dropped, RTRACE_LOST_FULL);\n"
	printf "payload huge: a record larger than a sub-buffer (dropped, RTRACE_LOST_TOO_LARGE);\n"
	printf "payload addr8: addr with the addresses as fixed 8-byte stores (bench-only writer:\n"
	printf "the measured estimate of a fixed-width field type, not a stream format);\n"
	printf "context task_rec: task and spare lane held (dropped, RTRACE_LOST_RECURSION);\n"
	printf "nmi_nested: the NMI loop while the interrupted task is mid-write (ftrace: holds a\n"
	printf "reservation; rtrace: its task lane is busy, the real nested path; both from the\n"
	printf "-DRTRACE_BENCH build of rtrace.ko).  rtrace_nolane: a benchmark-only build without\n"
	printf "the reentrancy machinery (TSC), so rtrace_tsc - rtrace_nolane is what it costs.\n"
	printf "Shapes (task context): bigpid = sched with pids above 2^17; addr = two kernel\n"
	printf "addresses and an error code (page_fault_kernel); _g200/_g20k = about 200 / 20000\n"
	printf "instructions of other work between events.\n\n"
	for (m = 0; m < nmodes; m++) {
		mo = order[m]
		unit = mo == "icount" ? "instructions per event" : "emulated ns per event (TCG)"
		printf "## %s: %s, median [min-max]\n\n", mo, unit
		printf "| writer | payload |"
		for (c = 1; c <= nctx; c++)
			printf " %s |", ctxs[c]
		printf "\n|---|---|"
		for (c = 1; c <= nctx; c++)
			printf "---|"
		printf "\n"
		for (i = 1; i <= nimpl; i++)
			for (p = 1; p <= npl; p++) {
				any = 0
				for (c = 1; c <= nctx; c++)
					any += has(impls[i], pls[p], ctxs[c], mo)
				if (!any)
					continue
				printf "| %s | %s |", impls[i], pls[p]
				for (c = 1; c <= nctx; c++) {
					k = impls[i] SUBSEP pls[p] SUBSEP ctxs[c] SUBSEP mo
					if (k in med)
						printf " %.1f [%.1f-%.1f] |", med[k], lo[k], hi[k]
					else
						printf " - |"
				}
				printf "\n"
			}
		printf "\n```\n"
		for (w = 1; w <= 2; w++) {
			wr = w == 1 ? "rtrace" : "rtrace_tsc"
			for (p = 1; p <= npl; p++) {
				pl = pls[p]
				if (pl == "huge" || pl == "addr8")
					continue
				for (c = 1; c <= 3; c++) {
					ctx = ctxs[c]
					if (!has(wr, pl, ctx, mo))
						continue
					r = v(wr, pl, ctx, mo)
					if (wr == "rtrace") {
						rf[wr, pl, ctx, mo] = ratio(wr "_" pl "/ftrace_reserve " ctx " local/local " mo, r,
							v("ftrace_rsv", pl, ctx, mo))
						ratio(wr "_" pl "/ftrace_write " ctx " local/local " mo, r,
						      v("ftrace_wr", pl, ctx, mo))
						ratio(wr "_" pl "/ftrace_event " ctx " local/local " mo, r,
						      has("ftrace_ev", pl, ctx, mo) ? v("ftrace_ev", pl, ctx, mo) : -1)
					} else {
						rf[wr, pl, ctx, mo] = ratio(wr "_" pl "/ftrace_reserve " ctx " tsc/x86-tsc derived " mo, r,
							rsv_tsc("ftrace_rsv", pl, ctx, mo))
						ratio(wr "_" pl "/ftrace_write " ctx " tsc/x86-tsc derived " mo, r,
						      rsv_tsc("ftrace_wr", pl, ctx, mo))
						ratio(wr "_" pl "/ftrace_event " ctx " tsc/x86-tsc " mo, r,
						      has("ftrace_ev_tsc", pl, ctx, mo) ? v("ftrace_ev_tsc", pl, ctx, mo) : -1)
					}
					rl[wr, pl, ctx, mo] = ratio(wr "_" pl "/floor " ctx " " (w == 1 ? "local/local" : "tsc/tsc") " " mo, r,
						has(floor[wr], pl, ctx, mo) ? v(floor[wr], pl, ctx, mo) : -1)
				}
			}
		}
		for (p = 1; p <= 2; p++)
			for (c = 1; c <= 3; c++) {
				pl = pls[p]
				ctx = ctxs[c]
				if (!has("rtrace_tsc", pl, ctx, mo) || !has("rtrace_nolane", pl, ctx, mo)) {
					mach[pl, ctx, mo] = -1
					continue
				}
				t = v("rtrace_tsc", pl, ctx, mo)
				n = v("rtrace_nolane", pl, ctx, mo)
				mach[pl, ctx, mo] = t - n
				printf "machinery %s %s %s = %.1f (rtrace_tsc %.1f - rtrace_nolane %.1f)\n",
				       pl, ctx, mo, t - n, t, n
			}
		# addr8: the addr record with its two addresses as fixed 8-byte
		# stores (a bench-only writer, not a stream format): the measured
		# estimate of that field type against ftrace's addr, same clock.
		if (has("rtrace", "addr8", "task", mo))
			ratio("estimate_rtrace_addr8/ftrace_reserve_addr task local/local " mo,
			      v("rtrace", "addr8", "task", mo), v("ftrace_rsv", "addr", "task", mo))
		if (has("rtrace_tsc", "addr8", "task", mo))
			ratio("estimate_rtrace_tsc_addr8/ftrace_reserve_addr task tsc/x86-tsc derived " mo,
			      v("rtrace_tsc", "addr8", "task", mo), rsv_tsc("ftrace_rsv", "addr", "task", mo))
		for (p = 1; p <= 2; p++) {
			pl = pls[p]
			if (has("rtrace", pl, "nmi_nested", mo))
				rn[pl, "rtrace", mo] = ratio("rtrace_" pl "_nested/ftrace_reserve_nested nmi local/local " mo,
					v("rtrace", pl, "nmi_nested", mo), v("ftrace_rsv", pl, "nmi_nested", mo))
			if (has("rtrace_tsc", pl, "nmi_nested", mo))
				rn[pl, "rtrace_tsc", mo] = ratio("rtrace_tsc_" pl "_nested/ftrace_reserve_nested nmi tsc/x86-tsc derived " mo,
					v("rtrace_tsc", pl, "nmi_nested", mo), rsv_tsc("ftrace_rsv", pl, "nmi_nested", mo))
		}
		printf "```\n\n"
	}

	tp_report()
	tput_report()
	printf "## Targets\n\n"
	printf "icount figures are exact instruction counts and decide; the tcg lines repeat\n"
	printf "the headline ratios in emulated time (noisy, informational).  One line per\n"
	printf "target: \"target NAME = VALUE (goal <= LIMIT) met|missed\".\n\n```\n"
	for (m = 0; m < nmodes; m++) {
		mo = order[m]
		for (w = 1; w <= 2; w++) {
			wr = w == 1 ? "rtrace" : "rtrace_tsc"
			for (p = 1; p <= npl; p++) {
				pl = pls[p]
				if (pl == "huge" || pl == "addr8")
					continue
				for (c = 1; c <= 3; c++) {
					ctx = ctxs[c]
					if (p > 2 && c > 1)
						continue
					cl = w == 1 ? "local" : "x86-tsc"
					target(wr "_" pl "_" ctx "/ftrace_reserve." cl "." mo,
					       rf[wr, pl, ctx, mo], 0.25, "")
					if (p <= 2)
						target(wr "_" pl "_" ctx "/floor." mo, rl[wr, pl, ctx, mo], 1.5, "")
				}
			}
			for (p = 1; p <= 2; p++)
				target(wr "_" pls[p] "_nested/ftrace_reserve_nested." \
				       (w == 1 ? "local" : "x86-tsc") "." mo, rn[pls[p], wr, mo], 0.5, "")
		}
		if (mo != "icount")
			continue
		for (p = 1; p <= 2; p++)
			for (c = 1; c <= 3; c++)
				target("machinery_" pls[p] "_" ctxs[c] ".icount", mach[pls[p], ctxs[c], mo], 15, " insn")
		# Issue 3's throwaway prototype of the lane design (icount): the numbers to beat.
		proto["rtrace", "raw16"] = 93		# trace_clock_local()
		proto["rtrace", "sched"] = 149
		proto["rtrace_tsc", "raw16"] = 58	# raw TSC
		proto["rtrace_tsc", "sched"] = 104
		for (w = 1; w <= 2; w++)
			for (p = 1; p <= 2; p++)
				for (c = 1; c <= 3; c++) {
					wr = w == 1 ? "rtrace" : "rtrace_tsc"
					target(wr "_" pls[p] "_" ctxs[c] "_vs_prototype.icount",
					       has(wr, pls[p], ctxs[c], mo) ? v(wr, pls[p], ctxs[c], mo) : -1,
					       proto[wr, pls[p]], " insn")
				}
		for (p = 1; p <= 2; p++)
			for (c = 1; c <= 3; c++)
				target("machinery_" pls[p] "_" ctxs[c] "_vs_prototype.icount",
				       mach[pls[p], ctxs[c], mo], 11, " insn")
		# Off means off: at most 2 instructions with no session recording.
		for (p = 1; p <= 2; p++)
			for (c = 1; c <= 3; c++) {
				pl = pls[p]
				ctx = ctxs[c]
				target("off_no_session_" pl "_" ctx ".icount",
				       has("rtrace_off", pl, ctx, mo) ? v("rtrace_off", pl, ctx, mo) : -1, 2, " insn")
				target("off_configured_" pl "_" ctx ".icount",
				       has("rtrace_cfg", pl, ctx, mo) ? v("rtrace_cfg", pl, ctx, mo) : -1, 2, " insn")
			}
		# A dropped (or stopped-and-counted) event costs at most storing it:
		# against the cheaper stored figure (TSC) of the same payload and context.
		for (p = 1; p <= 2; p++)
			for (c = 1; c <= 3; c++) {
				pl = pls[p]
				ctx = ctxs[c]
				st = has("rtrace_tsc", pl, ctx, mo) ? v("rtrace_tsc", pl, ctx, mo) : -1
				target("stopped_counted_" pl "_" ctx "/stored_tsc.icount",
				       st > 0 && has("rtrace_stopped", pl, ctx, mo) ? v("rtrace_stopped", pl, ctx, mo) / st : -1, 1, "")
				target("drop_full_" pl "_" ctx "/stored_tsc.icount",
				       st > 0 && has("rtrace_full", pl, ctx, mo) ? v("rtrace_full", pl, ctx, mo) / st : -1, 1, "")
			}
		for (w = 1; w <= 2; w++) {
			wr = w == 1 ? "rtrace" : "rtrace_tsc"
			for (p = 1; p <= 2; p++) {
				pl = pls[p]
				st = has(wr, pl, "task", mo) ? v(wr, pl, "task", mo) : -1
				target("drop_recursion_" wr "_" pl "/stored.icount",
				       st > 0 && has(wr, pl, "task_rec", mo) ? v(wr, pl, "task_rec", mo) / st : -1, 1, "")
			}
			st = has(wr, "raw16", "task", mo) ? v(wr, "raw16", "task", mo) : -1
			target("drop_too_large_" wr "/stored_raw16.icount",
			       st > 0 && has(wr, "huge", "task", mo) ? v(wr, "huge", "task", mo) / st : -1, 1, "")
		}
	}
	# Tracepoints end to end (bench/tp.sh, its own boot; tp_report() above).
	for (c = 1; c <= 2; c++) {
		target("tp_sched_switch_added/ftrace." tpclk[c] ".icount", tpr["pingpong", c], 0.2, "")
		target("tp_sys_enter_exit_added/ftrace." tpclk[c] ".icount", tpr["getppid", c], 0.33, "")
	}
	# goal: 1, plus the measured run-to-run noise of one configuration
	target("tp_registered_idle_added/not_loaded.pingpong.icount", tpidle["pingpong"],
	       sprintf("%.4f", 1 + tpnoise["pingpong"]), "", 4)
	target("tp_registered_idle_added/not_loaded.getppid.icount", tpidle["getppid"],
	       sprintf("%.4f", 1 + tpnoise["getppid"]), "", 4)
	target("tp_sched_switch_bytes_per_event", tpr_switch > 0 ? tpr_bytes / tpr_switch : -1, 12, " B")
	# ---- mode tput (issue 13, item 6; tput_report() above) ----
	target("reader_mmap/read.insn_per_mib", tu_ratio, 1, "")
	target("record_lossless_rate_unmeasured_geometries", tu_unmeasured, 0, "", 0)
	# ---- end of mode tput's targets ----
	if (dens_written > 0)
		target("density_sched_bytes_per_event", dens_bytes / dens_written, 12, " B")
	else
		target("density_sched_bytes_per_event", -1, 12, " B")
	printf "```\n\n%d targets, %d missed\n", ntargets, nmissed

	printf "\n## Density (bytes per event)\n\n```\n"
	if (dens_written > 0) {
		printf "rtrace sched_switch-like, realistic values: %.2f bytes/event (%d events, %d bytes)\n",
		       dens_bytes / dens_written, dens_written, dens_bytes
		printf "ratio rtrace_sched_bytes/ftrace_sched_bytes = %.2f\n",
		       dens_bytes / dens_written / fbytes["ftrace_rsv", "sched"]
	} else {
		printf "rtrace density: no figure (stats missing)\n"
	}
	printf "ftrace, same 5 fields: %d bytes/event (4-byte event header + entry);", fbytes["ftrace_rsv", "sched"]
	printf " its real sched_switch with both comms: 68\n"
	if (draw_written > 0) {
		printf "rtrace raw16: %.2f bytes/event (%d events, %d bytes)\n",
		       draw_bytes / draw_written, draw_written, draw_bytes
		printf "ratio rtrace_raw16_bytes/ftrace_raw16_bytes = %.2f\n",
		       draw_bytes / draw_written / fbytes["ftrace_rsv", "raw16"]
	}
	printf "ftrace raw16: %d bytes/event\n```\n", fbytes["ftrace_rsv", "raw16"]
}

# Tracepoints end to end: tables, ratio lines; fills tpr[] and tpidle[] for
# the target lines (-1: not measured).
function tp_report(    w, c, l, r, fl, pr, lbl, nl, wk, ev, nm) {
	tpclk[1] = "local"
	tpclk[2] = "x86-tsc"
	tprt[1] = "rtrace_local"
	tprt[2] = "rtrace_tsc"
	for (w = 1; w <= 2; w++) {
		wk = w == 1 ? "pingpong" : "getppid"
		tpidle[wk] = -1
		for (c = 1; c <= 2; c++)
			tpr[wk, c] = -1
	}
	if (!tpseen)
		return
	printf "## Tracepoints end to end (icount, 1 vCPU): instructions\n\n"
	printf "bench/tp.sh, one boot: a pipe ping-pong between two processes (pingpong: per\n"
	printf "round trip, two sched_switch) and a getppid() loop (getppid: per call, a\n"
	printf "sys_enter and a sys_exit; getppid0: the same with every argument register\n"
	printf "zero), timed loops shorter than a timer tick.  off/idle:\n"
	printf "nothing enabled, rtrace.ko loaded (before / after the sessions); notloaded:\n"
	printf "rtrace.ko unloaded; floor: an empty probe on the same tracepoints\n"
	printf "(bench/rtrace_bench_tp.c); ftrace_*: sched:sched_switch or raw_syscalls\n"
	printf "sys_enter+sys_exit in a tracefs instance on that trace_clock (cmdline saving\n"
	printf "included, as ftrace does it); rtrace_*: rtrace -e sched_switch or\n"
	printf "-e sys_enter,sys_exit (task names included) on trace_clock_local() / the TSC.\n"
	printf "Events per iteration are each tracer's own count.  \"added\" = (loop - the\n"
	printf "off/idle loop) / events, of the medians (the target lines) and of the minima\n"
	printf "(loops without a timer tick; getppid: exact, both agree; the ping-pong's\n"
	printf "scheduling varies from loop to loop: [max] shows the spread).\n\n"
	printf "| workload | configuration | instructions per iteration, min / median [max] | events per iteration | added per event, min / median |\n"
	printf "|---|---|---|---|---|\n"
	nl = split("off idle notloaded floor ftrace_local rtrace_local ftrace_x86-tsc rtrace_tsc " \
		   "ftrace_local_enter rtrace_local_enter ftrace_local_exit rtrace_local_exit", lbl, " ")
	for (w = 1; w <= 3; w++) {
		wk = w == 1 ? "pingpong" : w == 2 ? "getppid" : "getppid0"
		for (l = 1; l <= nl; l++) {
			if (tpq(lbl[l], wk, "ns", 0) < 0)
				continue
			ev = tpq(lbl[l], wk, "ev", 0.5)
			printf "| %s | %s | %.1f / %.1f [%.1f] | %s | ", wk, lbl[l],
			       tpq(lbl[l], wk, "ns", 0), tpq(lbl[l], wk, "ns", 0.5), tpq(lbl[l], wk, "ns", 1),
			       ev < 0 ? "-" : sprintf("%.3f", ev)
			if (lbl[l] ~ /^(ftrace|rtrace|floor)/)
				printf "%.1f / %.1f |\n", tpadd(lbl[l], wk, 0), tpadd(lbl[l], wk, 0.5)
			else
				printf "- |\n"
		}
	}
	printf "\n```\n"
	for (w = 1; w <= 2; w++) {
		wk = w == 1 ? "pingpong" : "getppid"
		ev = w == 1 ? "sched_switch" : "sys_enter_exit"
		fl = tpadd("floor", wk, 0.5)
		printf "floor %s = %.1f instructions per event (empty probe: the tracepoint on, nothing written)\n", ev, fl
		for (c = 1; c <= 2; c++) {
			r = tpadd(tprt[c], wk, 0.5)
			pr = tpadd("ftrace_" tpclk[c], wk, 0.5)
			tpr[wk, c] = ratio("tp_" ev "_added rtrace/ftrace " tpclk[c] "/" tpclk[c] " icount median",
					   r, pr)
			ratio("tp_" ev "_added rtrace/ftrace " tpclk[c] "/" tpclk[c] " icount min",
			      tpadd(tprt[c], wk, 0), tpadd("ftrace_" tpclk[c], wk, 0))
			if (fl >= 0 && r >= 0 && pr >= 0) {
				nm = sprintf("tp_%s_probe rtrace/ftrace %s/%s icount median (added - floor: %.1f / %.1f)",
					     ev, tpclk[c], tpclk[c], r - fl, pr - fl)
				ratio(nm, r - fl, pr - fl)
			}
		}
		for (c = 1; w == 2 && c <= 3; c++) {
			l = c == 2 ? "exit" : "enter"
			r = tpadd("rtrace_local_" l, c == 3 ? "getppid0" : wk, 0.5)
			pr = tpadd("ftrace_local_" l, c == 3 ? "getppid0" : wk, 0.5)
			if (r < 0 || pr < 0)
				continue
			nm = sprintf("tp_sys_%s_alone%s_added rtrace/ftrace local/local icount median (%.1f / %.1f)",
				     l, c == 3 ? "_zero_args" : "", r, pr)
			ratio(nm, r, pr)
		}
		# Loaded and idle against not loaded: the same code runs (nothing is
		# registered), so the difference is noise; its size is shown by two
		# measurements of one configuration ("off" before the sessions and
		# "idle" after them), which is the tolerance of the target.
		if (tpq("idle off", wk, "ns", 0) > 0 && tpq("notloaded", wk, "ns", 0) > 0) {
			tpidle[wk] = tpq("idle off", wk, "ns", 0.5) / tpq("notloaded", wk, "ns", 0.5)
			printf "ratio tp_idle/notloaded %s icount median = %.4f\n", wk, tpidle[wk]
			printf "ratio tp_idle/notloaded %s icount min = %.4f\n", wk,
			       tpq("idle off", wk, "ns", 0) / tpq("notloaded", wk, "ns", 0)
			r = tpq("off", wk, "ns", 0.5) - tpq("idle", wk, "ns", 0.5)
			pr = tpq("off", wk, "ns", 0) - tpq("idle", wk, "ns", 0)
			r = r < 0 ? -r : r
			pr = pr < 0 ? -pr : pr
			tpnoise[wk] = (r > pr ? r : pr) / tpq("notloaded", wk, "ns", 0.5)
			printf "tp_idle-notloaded %s = %.1f instructions per iteration (median), %.1f (min); " \
			       "off-idle (the same configuration twice) %.1f (median), %.1f (min): noise %.4f\n", wk,
			       tpq("idle off", wk, "ns", 0.5) - tpq("notloaded", wk, "ns", 0.5),
			       tpq("idle off", wk, "ns", 0) - tpq("notloaded", wk, "ns", 0), r, pr, tpnoise[wk]
		}
	}
	if (tpr_switch > 0) {
		printf "rtrace bytes per sched_switch, names included: %.2f (%d sched_switch + %d task_name records, %d bytes)\n",
		       tpr_bytes / tpr_switch, tpr_switch, tpr_names, tpr_bytes
		if (tpf_events > 0) {
			printf "ftrace bytes per sched_switch: %.2f (%d events, %d bytes)\n",
			       tpf_bytes / tpf_events, tpf_events, tpf_bytes
			ratio("tp_sched_switch_bytes rtrace/ftrace", tpr_bytes / tpr_switch, tpf_bytes / tpf_events)
		}
	}
	printf "```\n\n"
}

# ---- mode tput: rtrace record's cost per MiB and its lossless rate ---------
# Median of field arr[] over the runs of kind k, path p (geometry default).
function tu_med(arr, k, p,    i, n, a, j, x) {
	n = 0
	for (i = 1; i <= tu_n; i++)
		if (tu_kind[i] == k && tu_path[i] == p && tu_geom[i] == "default")
			a[++n] = arr[i]
	if (n == 0)
		return -1
	for (i = 2; i <= n; i++) {
		x = a[i]
		for (j = i - 1; j >= 1 && a[j] > x; j--)
			a[j + 1] = a[j]
		a[j + 1] = x
	}
	return a[int((n - 1) / 2) + 1]
}

# Fills tu_ratio (mmap/read instructions per MiB, reader + worker; -1: not
# measured) and tu_unmeasured (geometries without a clean rate step).
function tput_report(    p, pth, mib, own, kw, per, perown, best, bmb, lossy, i, g, geo, ev, mb, ceil, note) {
	tu_ratio = -1
	tu_unmeasured = 2
	if (tu_n == 0)
		return
	printf "## rtrace record: the reader's cost and throughput (icount, 1 vCPU)\n\n"
	printf "bench/tput.sh: the validation source's task generator (a kthread: a burst of\n"
	printf "validate_burst events, then a sleep of validate_period_us) and `rtrace record\n"
	printf "--duration` share the one vCPU.  CPU time under -icount shift=0 is instructions:\n"
	printf "the reader's own (wait4() rusage: user + system, i.e. its sum_exec_runtime)\n"
	printf "and the kworkers' (schedstat; rtrace.ko's reader-side worker fills the --mmap\n"
	printf "data area there).  Per MiB written to the file: median of the runs minus the\n"
	printf "median of idle sessions (same duration, nothing emitting: start, poll, stop,\n"
	printf "exit), divided by the median MiB.  Rates are guest-time (one guest second = 1e9\n"
	printf "instructions of this emulated CPU): approximate, emulated, not hardware speed.\n\n```\n"
	for (p = 1; p <= 2; p++) {
		pth = p == 1 ? "read" : "mmap"
		mib = tu_med(tu_bytes, "cost", pth) / 1048576
		if (mib <= 0 || tu_med(tu_child, "idle", pth) < 0) {
			printf "reader %s: n/a\n", pth
			continue
		}
		own = tu_med(tu_child, "cost", pth) - tu_med(tu_child, "idle", pth)
		kw = tu_med(tu_kw, "cost", pth) - tu_med(tu_kw, "idle", pth)
		perown = own / mib
		per[pth] = (own + kw) / mib
		printf "reader %s: %.0f insn/MiB (process %.0f + kworker %.0f; %.2f MiB per run, %.1f insn/byte)\n",
		       pth, per[pth], perown, kw / mib, mib, per[pth] / 1048576
	}
	if (("read" in per) && ("mmap" in per) && per["read"] > 0)
		tu_ratio = ratio("reader_mmap/read.insn_per_mib", per["mmap"], per["read"])
	printf "```\n\nThroughput: the read() path (rtrace record's default), burst doubling at a\n"
	printf "period, then bisection; clean = `rtrace check` ok, no lost event, no missing\n"
	printf "sub-buffer.  events/s and MB/s are the capture's over the run's guest time.\n\n```\n"
	printf "%-8s %6s %6s %10s %8s %9s %7s %s\n", "geometry", "burst", "per_us", "events/s", "MB/s", "bytes", "lost", "result"
	for (g = 1; g <= 2; g++) {
		geo = g == 1 ? "default" : "4M"
		best = -1
		lossy = -1
		for (i = 1; i <= tu_n; i++) {
			if (tu_kind[i] != "rate" || tu_geom[i] != geo || tu_wall[i] <= 0)
				continue
			ev = tu_events[i] / (tu_wall[i] / 1e9)
			mb = tu_bytes[i] / (tu_wall[i] / 1e9) / 1e6
			printf "%-8s %6d %6d %10.0f %8.2f %9d %7d %s\n", geo, tu_burst[i], tu_period[i],
			       ev, mb, tu_bytes[i], tu_lost[i], tu_clean[i] ? "clean" : "LOSS/" tu_check[i]
			if (tu_clean[i] && ev > best) {
				best = ev
				bmb = mb
			}
			if (!tu_clean[i] && (lossy < 0 || ev < lossy))
				lossy = ev
		}
		if (best > 0) {
			tu_unmeasured--
			ceil = (geo in tu_ceiling)
			if (lossy > 0)
				note = sprintf("; lossy from %.0f events/s", lossy)
			else if (ceil)
				note = "; no loss up to the generator's ceiling (the vCPU saturated)"
			else
				note = "; no loss seen"
			printf "record lossless %s: %s%.0f events/s, %.2f MB/s per CPU (approximate, emulated)%s\n",
			       geo, ceil ? ">= " : "", best, bmb, note
		} else {
			printf "record lossless %s: n/a (no clean step)\n", geo
		}
	}
	printf "trace-cmd: not compared (the test guest's busybox initramfs has no trace-cmd; design.md)\n"
	printf "```\n\n"
}
# ---- end of mode tput ------------------------------------------------------
