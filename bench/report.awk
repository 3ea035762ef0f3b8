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
	if (!(mode in seen)) {
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

function ratio(name, a, b) {
	if (a < 0 || b <= 0) {
		printf "ratio %s = n/a\n", name
		return -1
	}
	printf "ratio %s = %.2f\n", name, a / b
	return a / b
}

# One target line; r < 0 (not measured) is a miss.
function target(name, r, max, unit) {
	ntargets++
	if (r == "" || r < 0) {
		printf "target %s = n/a (goal <= %s%s) missed\n", name, max, unit
		nmissed++
		return
	}
	if (r <= max * (1 + 1e-9)) {	# exactly on the limit is met
		printf "target %s = %.2f%s (goal <= %s%s) met\n", name, r, unit, max, unit
	} else {
		printf "target %s = %.2f%s (goal <= %s%s) missed\n", name, r, unit, max, unit
		nmissed++
	}
}

END {
	nimpl = split("rtrace rtrace_tsc rtrace_nolane rtrace_off rtrace_cfg rtrace_stopped " \
		      "rtrace_full ftrace_rsv ftrace_wr ftrace_ev ftrace_ev_tsc floor_tsc floor_local",
		      impls, " ")
	nctx = split("task hardirq nmi nmi_nested task_rec", ctxs, " ")
	npl = split("raw16 sched bigpid addr bigpid_g200 bigpid_g20k addr_g200 addr_g20k huge",
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
				if (pl == "huge")
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
				if (pl == "huge")
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
		# Tracepoints end to end and the reader's throughput (issue 13, items 5
		# and 6): not measured by this benchmark yet (design.md says why).
		target("tp_sched_switch_added/ftrace.icount", -1, 0.2, "")
		target("tp_sys_enter_exit_added/ftrace.icount", -1, 0.33, "")
		target("tp_registered_idle_added/not_loaded.icount", -1, 1, "")
		target("record_throughput_and_reader_cost_measured", -1, 1, "")
	}
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
