/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small PNG writer (ISO/IEC 15948): 8-bit RGBA, no interlace, filter 0 on
 * every row, the zlib stream made of stored (uncompressed) deflate blocks.
 * CRC-32 and Adler-32 computed here: no dependency.
 */
#ifndef VIRTIOCHECK_PNG_H
#define VIRTIOCHECK_PNG_H

#include <stddef.h>
#include <stdint.h>

/* Largest image accepted: w * h <= PNG_MAX_PIXELS, w, h >= 1. */
#define PNG_MAX_PIXELS (16384u * 16384u)

/* Encode w x h RGBA pixels (row by row) into a malloc'd buffer *out of
 * *len bytes. 0 or -1. */
int png_encode_rgba(const uint8_t *rgba, uint32_t w, uint32_t h, uint8_t **out, size_t *len);
/* Encode and write to path atomically (temporary file, then rename). 0 or
 * -1. */
int png_write_rgba(const char *path, const uint8_t *rgba, uint32_t w, uint32_t h);
/* The checksums, exported for tests. */
uint32_t png_crc32(uint32_t crc, const uint8_t *p, size_t n);
uint32_t png_adler32(uint32_t adler, const uint8_t *p, size_t n);

#endif
