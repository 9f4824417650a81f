// SPDX-License-Identifier: Apache-2.0
/* A small PNG writer; see png.h. */
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "png.h"

/* deflate stored blocks carry at most 65535 bytes */
#define STORED_MAX 65535u

uint32_t png_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	size_t i;
	int k;

	crc = ~crc;
	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

uint32_t png_adler32(uint32_t adler, const uint8_t *p, size_t n)
{
	uint32_t a = adler & 0xffff, b = adler >> 16;
	size_t i;

	for (i = 0; i < n; i++) {
		a = (a + p[i]) % 65521u;
		b = (b + a) % 65521u;
	}
	return (b << 16) | a;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* length, type, data (already at p + 8), crc over type and data */
static size_t chunk(uint8_t *p, const char type[4], size_t len)
{
	be32(p, (uint32_t)len);
	memcpy(p + 4, type, 4);
	be32(p + 8 + len, png_crc32(0, p + 4, len + 4));
	return len + 12;
}

int png_encode_rgba(const uint8_t *rgba, uint32_t w, uint32_t h, uint8_t **out, size_t *len)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	uint64_t row = (uint64_t)w * 4 + 1, raw, blocks, idat, total;
	uint8_t *b, *p, *z, *filt;
	uint64_t done, y;
	uint32_t adler = 1;

	*out = NULL;
	*len = 0;
	if (!rgba || w == 0 || h == 0 || (uint64_t)w * h > PNG_MAX_PIXELS)
		return -1;
	raw = row * h;
	blocks = (raw + STORED_MAX - 1) / STORED_MAX;
	idat = 2 + raw + 5 * blocks + 4;
	if (idat > UINT32_MAX)
		return -1;
	total = sizeof(sig) + (12 + 13) + (12 + idat) + 12;
	filt = malloc((size_t)raw);
	b = malloc((size_t)total);
	if (!b || !filt) {
		free(b);
		free(filt);
		return -1;
	}
	for (y = 0; y < h; y++) {
		filt[y * row] = 0; /* filter type None */
		memcpy(filt + y * row + 1, rgba + y * (row - 1), (size_t)(row - 1));
	}
	p = b;
	memcpy(p, sig, sizeof(sig));
	p += sizeof(sig);
	/* IHDR: width, height, bit depth 8, colour type 6 (RGBA), deflate,
	 * filter method 0, no interlace */
	be32(p + 8, w);
	be32(p + 12, h);
	p[16] = 8;
	p[17] = 6;
	p[18] = p[19] = p[20] = 0;
	p += chunk(p, "IHDR", 13);
	/* IDAT: zlib header (CM 8, CINFO 7, FCHECK), stored blocks, Adler-32 */
	z = p + 8;
	z[0] = 0x78;
	z[1] = 0x01;
	z += 2;
	for (done = 0; done < raw;) {
		uint32_t n = raw - done < STORED_MAX ? (uint32_t)(raw - done) : STORED_MAX;

		z[0] = done + n == raw ? 1 : 0; /* BFINAL, BTYPE 00 */
		z[1] = (uint8_t)n;
		z[2] = (uint8_t)(n >> 8);
		z[3] = (uint8_t)~n;
		z[4] = (uint8_t)(~n >> 8);
		memcpy(z + 5, filt + done, n);
		adler = png_adler32(adler, filt + done, n);
		z += 5 + n;
		done += n;
	}
	be32(z, adler);
	p += chunk(p, "IDAT", (size_t)idat);
	p += chunk(p, "IEND", 0);
	free(filt);
	*out = b;
	*len = (size_t)(p - b);
	return 0;
}

int png_write_rgba(const char *path, const uint8_t *rgba, uint32_t w, uint32_t h)
{
	struct atomic_file a;
	uint8_t *png;
	size_t n;

	if (png_encode_rgba(rgba, w, h, &png, &n) != 0)
		return -1;
	if (atomic_file_open(&a, path) != 0) {
		free(png);
		return -1;
	}
	if (fwrite(png, 1, n, a.f) != n) {
		free(png);
		atomic_file_abort(&a);
		return -1;
	}
	free(png);
	return atomic_file_commit(&a);
}
