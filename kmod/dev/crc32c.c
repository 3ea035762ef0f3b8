// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace: CRC32C of the stream's units, computed on the reader side.
 *
 * CRC-32C (Castagnoli) as uapi/linux/rtrace.h defines it: reflected
 * polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF.  The
 * device seals every unit it copies out (read() bounce buffer, mmap data
 * area); the writers never compute it.  Slicing-by-8: eight 256-entry
 * tables, built once at load, fold eight bytes per step.  Our own rather
 * than the kernel's crc32c(): that one is a module (libcrc32c) on Debian's
 * kernels and absent from the tinyconfig debug kernel.
 */
#include <linux/cache.h>
#include <linux/kernel.h>

#include "../compat/compat.h"	/* get_unaligned_le32() */
#include "dev.h"

#define RTRACE_CRC32C_POLY	0x82F63B78U

static u32 rtrace_crc_tab[8][256] __ro_after_init;

/**
 * rtrace_crc32c_init() - build the tables
 *
 * Context: module init, before any stream is read.
 */
void rtrace_crc32c_init(void)
{
	unsigned int i, k;
	u32 c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (RTRACE_CRC32C_POLY & (0U - (c & 1)));
		rtrace_crc_tab[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			rtrace_crc_tab[k][i] = (rtrace_crc_tab[k - 1][i] >> 8) ^
				rtrace_crc_tab[0][rtrace_crc_tab[k - 1][i] & 0xff];
}

/**
 * rtrace_crc32c() - extend a CRC32C over @len bytes
 * @crc: CRC of the bytes before, 0 to start
 * @buf: bytes
 * @len: bytes at @buf
 *
 * Context: any.
 * Return: the CRC of everything so far (final XOR applied).
 */
u32 rtrace_crc32c(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;
	u32 c = ~crc, lo, hi;

	while (len >= 8) {
		lo = get_unaligned_le32(p) ^ c;
		hi = get_unaligned_le32(p + 4);
		c = rtrace_crc_tab[7][lo & 0xff] ^ rtrace_crc_tab[6][(lo >> 8) & 0xff] ^
		    rtrace_crc_tab[5][(lo >> 16) & 0xff] ^ rtrace_crc_tab[4][lo >> 24] ^
		    rtrace_crc_tab[3][hi & 0xff] ^ rtrace_crc_tab[2][(hi >> 8) & 0xff] ^
		    rtrace_crc_tab[1][(hi >> 16) & 0xff] ^ rtrace_crc_tab[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		c = (c >> 8) ^ rtrace_crc_tab[0][(c ^ *p++) & 0xff];
	return ~c;
}

/**
 * rtrace_unit_crc() - the CRC of a stream unit
 * @unit: the unit's bytes
 * @len: its length
 * @crc_at: byte offset of its own __u32 crc field, taken as zero
 *
 * Context: any.
 * Return: the value that goes into the crc field.
 */
u32 rtrace_unit_crc(const void *unit, size_t len, size_t crc_at)
{
	static const u8 zero[4];
	u32 crc = rtrace_crc32c(0, unit, crc_at);

	crc = rtrace_crc32c(crc, zero, sizeof(zero));
	return rtrace_crc32c(crc, (const u8 *)unit + crc_at + 4, len - crc_at - 4);
}
