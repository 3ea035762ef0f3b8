# SPDX-License-Identifier: GPL-2.0
# bench/run's report: tables and "ratio NAME = X.XX" lines from the guest's
# "result"/"stats"/"dmesg" lines.  One input file per mode (icount.txt, tcg.txt).

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

function ratio(name, a, b) {
	if (b <= 0) {
		printf "ratio %s = n/a\n", name
		return -1
	}
	printf "ratio %s = %.2f\n", name, a / b
	return a / b
}

function target(what, r, max) {
	if (r < 0)
		return
	if (r <= max * (1 + 1e-9))	# exactly on the limit is met
		printf "- %s: %.2f, target <= %.2f met\n", what, r, max
	else
		printf "- %s: %.2f, target <= %.2f MISSED by %.1f%%\n", what, r, max, (r / max - 1) * 100
}

END {
	nimpl = split("rtrace rtrace_tsc rtrace_nolane ftrace_rsv ftrace_wr floor_tsc floor_local",
		      impls, " ")
	nw = split("rtrace rtrace_tsc", writers, " ")
	floor["rtrace"] = "floor_local"
	floor["rtrace_tsc"] = "floor_tsc"
	nctx = split("task hardirq nmi nmi_nested", ctxs, " ")
	npl = split("raw16 sched", pls, " ")
	printf "rtrace: the clock rtrace chooses in this VM (trace_clock_local(); TCG has no\n"
	printf "invariant TSC); rtrace_tsc: the raw TSC forced (clock=tsc), as on hosts with an\n"
	printf "invariant TSC.  Each is compared with the floor that reads the same clock.\n"
	printf "rtrace_nolane: a benchmark-only build without the reentrancy machinery (fixed\n"
	printf "task lane, no busy byte, spare lane or nesting accounting; TSC clock), so\n"
	printf "rtrace_tsc - rtrace_nolane is what lane selection and the recursion guard cost.\n"
	printf "nmi_nested: the NMI loop while the interrupted task is mid-write (ftrace: holds\n"
	printf "a reservation; rtrace: its task lane is busy, so every write takes the nested\n"
	printf "path; measured with the -DRTRACE_BENCH build of rtrace.ko, TSC clock).\n\n"
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
		for (w = 1; w <= nw; w++)
			for (p = 1; p <= npl; p++)
				for (c = 1; c <= 3; c++) {
					wr = writers[w]
					ctx = ctxs[c]
					pl = pls[p]
					r = med[wr SUBSEP pl SUBSEP ctx SUBSEP mo]
					rf[wr, pl, ctx, mo] = ratio(wr "_" pl "/ftrace_reserve " ctx " " mo, r,
						med["ftrace_rsv" SUBSEP pl SUBSEP ctx SUBSEP mo])
					ratio(wr "_" pl "/ftrace_write " ctx " " mo, r,
					      med["ftrace_wr" SUBSEP pl SUBSEP ctx SUBSEP mo])
					rl[wr, pl, ctx, mo] = ratio(wr "_" pl "/floor " ctx " " mo, r,
						med[floor[wr] SUBSEP pl SUBSEP ctx SUBSEP mo])
				}
		for (p = 1; p <= npl; p++)
			for (c = 1; c <= 3; c++) {
				pl = pls[p]
				ctx = ctxs[c]
				t = med["rtrace_tsc" SUBSEP pl SUBSEP ctx SUBSEP mo]
				n = med["rtrace_nolane" SUBSEP pl SUBSEP ctx SUBSEP mo]
				if (t <= 0 || n <= 0) {
					mach[pl, ctx, mo] = -1
					printf "ratio machinery/rtrace_tsc %s %s %s = n/a\n", pl, ctx, mo
					continue
				}
				mach[pl, ctx, mo] = t - n
				ratio("machinery/rtrace_tsc " pl " " ctx " " mo, t - n, t)
				printf "machinery %s %s %s = %.1f (rtrace_tsc %.1f - rtrace_nolane %.1f)\n",
				       pl, ctx, mo, t - n, t, n
			}
		for (w = 1; w <= nw; w++)
			for (p = 1; p <= npl; p++) {
				wr = writers[w]
				pl = pls[p]
				if (!((wr SUBSEP pl SUBSEP "nmi_nested" SUBSEP mo) in med))
					continue
				ratio(wr "_" pl "_nested/" wr "_" pl "_nmi " mo,
				      med[wr SUBSEP pl SUBSEP "nmi_nested" SUBSEP mo],
				      med[wr SUBSEP pl SUBSEP "nmi" SUBSEP mo])
				ratio(wr "_" pl "_nested/ftrace_reserve_nested nmi " mo,
				      med[wr SUBSEP pl SUBSEP "nmi_nested" SUBSEP mo],
				      med["ftrace_rsv" SUBSEP pl SUBSEP "nmi_nested" SUBSEP mo])
			}
		printf "```\n\n"
	}
	printf "## Targets\n\n"
	for (m = 0; m < nmodes; m++)
		for (w = 1; w <= nw; w++)
			for (p = 1; p <= npl; p++)
				for (c = 1; c <= 3; c++) {
					wr = writers[w]
					pl = pls[p]
					ctx = ctxs[c]
					mo = order[m]
					target(wr "/ftrace_reserve " pl " " ctx " " mo,
					       rf[wr, pl, ctx, mo], 0.25)
					target(wr "/floor " pl " " ctx " " mo, rl[wr, pl, ctx, mo], 1.5)
				}
	for (m = 0; m < nmodes; m++) {
		mo = order[m]
		if (mo != "icount")
			continue
		for (p = 1; p <= npl; p++)
			for (c = 1; c <= 3; c++) {
				v = mach[pls[p], ctxs[c], mo]
				if (v == "" || v < 0)
					continue
				if (v <= 15)
					printf "- machinery %s %s icount: %.1f instructions, target <= 15 met\n",
					       pls[p], ctxs[c], v
				else
					printf "- machinery %s %s icount: %.1f instructions, target <= 15 MISSED by %.1f\n",
					       pls[p], ctxs[c], v, v - 15
			}
		# Issue 3's throwaway prototype of the lane design, exact guest
		# instructions per event (icount, Debian 6.12): the numbers to beat.
		proto["rtrace", "raw16"] = 93		# trace_clock_local()
		proto["rtrace", "sched"] = 149
		proto["rtrace_tsc", "raw16"] = 58	# raw TSC
		proto["rtrace_tsc", "sched"] = 104
		split("rtrace rtrace_tsc", pw, " ")
		for (w = 1; w <= 2; w++)
			for (p = 1; p <= npl; p++)
				for (c = 1; c <= 3; c++) {
					v = med[pw[w], pls[p], ctxs[c], mo]
					pv = proto[pw[w], pls[p]]
					if (v == "" || pv == "")
						continue
					printf "- %s %s %s icount: %.1f instructions, the prototype's %d %s\n",
					       pw[w], pls[p], ctxs[c], v, pv,
					       v < pv ? "beaten" : "NOT beaten"
				}
		for (p = 1; p <= npl; p++)
			for (c = 1; c <= 3; c++) {
				v = mach[pls[p], ctxs[c], mo]
				if (v == "" || v < 0)
					continue
				printf "- machinery %s %s icount: %.1f instructions, the prototype's 11 %s\n",
				       pls[p], ctxs[c], v, v < 11 ? "beaten" : "NOT beaten"
			}
	}
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
	if (dens_written > 0)
		target("rtrace sched_switch-like bytes/event", dens_bytes / dens_written, 12)
}
