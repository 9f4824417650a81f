// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-blk device (VIRTIO 1.2 5.2), a user of the vc_device_ops ABI like
 * any third-party device. Up to VC_BLK_MAX_QUEUES request queues; the
 * backing store is RAM (default) or a file.
 *
 * Arguments: a comma-separated list of key=value, parsed strictly (an
 * unknown key, a bad number or a value too wide for its field makes create()
 * fail). Numbers are decimal or 0x-hex.
 *   capacity=N        512-byte sectors (RAM default 16384 = 8 MiB; a file
 *                     without it: its size; with it: extended if shorter)
 *   file=PATH         file backend (pread/pwrite)
 *   ro=0|1            offer VIRTIO_BLK_F_RO
 *   blk_size, size_max, seg_max, num_queues, writeback,
 *   physical_block_exp, alignment_offset, min_io_size, opt_io_size,
 *   max_discard_sectors, max_discard_seg, discard_sector_alignment,
 *   max_write_zeroes_sectors, max_write_zeroes_seg, write_zeroes_may_unmap,
 *   max_secure_erase_sectors, max_secure_erase_seg,
 *   secure_erase_sector_alignment   the configuration fields of 5.2.4
 *   geometry=C/H/S
 *   lifetime=PRE/A/B  GET_LIFETIME answer (pre_eol_info, est_typ_a/b)
 *   serial=STRING     GET_ID string, at most 20 bytes
 *   features=LIST     optional features to offer, names joined by + or -:
 *                     "flush+discard" is exactly those, "-mq+ro" edits the
 *                     default set. VERSION_1 is always offered.
 * Configuration values are not sanity-checked: a harness uses them to build
 * a device whose configuration a driver has to refuse.
 *
 * Request rules (5.2.6): a request is a 16-byte header in the readable part
 * (split across descriptors in any way, 2.6.4), data, and the status byte,
 * the last writable byte. A request without a status byte or without a whole
 * header cannot be answered: that is reported through the host's fail(). All
 * other faults are answered with the status byte. The device always writes
 * every writable byte (data, zero-fill for what it did not produce, status),
 * so the used len is the writable length and covers the status byte --
 * unless a test armed vc_blk_override_next_answer(), which replaces the
 * status byte the driver sees and/or the used len of one completion.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk.h"
#include "devices.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"

#define BLK_MAGIC          0x626c6b31u /* "blk1" */
#define BLK_QUEUE_SIZE_MAX 256
#define BLK_RAM_MAX        (1ull << 30)           /* bytes of a RAM disk */
#define BLK_FILE_MAX       (1ull << 46)           /* bytes of a file disk */
#define BLK_SEG_LIMIT      4096u                  /* max_*_seg accepted */
#define BLK_BOUNCE         65536u
#define SECTOR             VIRTIO_BLK_SECTOR_SIZE

struct blk_params {
	uint64_t capacity;
	bool capacity_set;
	uint32_t size_max, seg_max, blk_size;
	uint16_t cylinders;
	uint8_t heads, sectors;
	uint8_t physical_block_exp, alignment_offset;
	uint16_t min_io_size;
	uint32_t opt_io_size;
	uint8_t writeback;
	uint16_t num_queues;
	uint32_t max_discard_sectors, max_discard_seg, discard_sector_alignment;
	uint32_t max_write_zeroes_sectors, max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint32_t max_secure_erase_sectors, max_secure_erase_seg, secure_erase_sector_alignment;
	uint16_t lifetime[3];
	char serial[VIRTIO_BLK_ID_BYTES];
	uint64_t offer;
	char *file;
};

struct blk_dev {
	uint32_t magic;
	const struct vc_host_ops *host;
	void *h;
	struct blk_params p;
	int fd;          /* file backend, -1 for RAM */
	uint8_t *ram;    /* RAM backend */

	uint64_t features;
	bool features_ok;
	uint8_t writeback;
	struct vc_blk_stats stats;

	/* vc_blk_override_next_answer(): the next completion's status byte
	 * and used len, -1 for the device's own; cleared by that completion */
	int answer_status;
	int64_t answer_len;

	struct virtio_blk_discard_write_zeroes segs[BLK_SEG_LIMIT];
	uint8_t bounce[BLK_BOUNCE];
};

static const uint8_t zeroes[4096];

/* ------------------------------------------------------------ arguments */

struct feature_name {
	const char *name;
	unsigned bit;
};

static const struct feature_name feature_names[] = {
	{ "size_max", VIRTIO_BLK_F_SIZE_MAX },
	{ "seg_max", VIRTIO_BLK_F_SEG_MAX },
	{ "geometry", VIRTIO_BLK_F_GEOMETRY },
	{ "ro", VIRTIO_BLK_F_RO },
	{ "blk_size", VIRTIO_BLK_F_BLK_SIZE },
	{ "flush", VIRTIO_BLK_F_FLUSH },
	{ "topology", VIRTIO_BLK_F_TOPOLOGY },
	{ "config_wce", VIRTIO_BLK_F_CONFIG_WCE },
	{ "mq", VIRTIO_BLK_F_MQ },
	{ "discard", VIRTIO_BLK_F_DISCARD },
	{ "write_zeroes", VIRTIO_BLK_F_WRITE_ZEROES },
	{ "lifetime", VIRTIO_BLK_F_LIFETIME },
	{ "secure_erase", VIRTIO_BLK_F_SECURE_ERASE },
	{ "indirect_desc", VIRTIO_F_INDIRECT_DESC },
	{ "event_idx", VIRTIO_F_EVENT_IDX },
	{ "ring_reset", VIRTIO_F_RING_RESET },
	{ "ring_packed", VIRTIO_F_RING_PACKED },
};

#define BLK_DEFAULT_OFFER                                                                  \
	(VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |             \
	 VIRTIO_BIT(VIRTIO_BLK_F_GEOMETRY) | VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |            \
	 VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) | VIRTIO_BIT(VIRTIO_BLK_F_TOPOLOGY) |               \
	 VIRTIO_BIT(VIRTIO_BLK_F_CONFIG_WCE) | VIRTIO_BIT(VIRTIO_BLK_F_MQ) |                \
	 VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) | VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES) |         \
	 VIRTIO_BIT(VIRTIO_BLK_F_LIFETIME) | VIRTIO_BIT(VIRTIO_BLK_F_SECURE_ERASE) |        \
	 VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |              \
	 VIRTIO_BIT(VIRTIO_F_RING_RESET) | VIRTIO_BIT(VIRTIO_F_RING_PACKED))

static void default_params(struct blk_params *p)
{
	memset(p, 0, sizeof(*p));
	p->capacity = 16384;
	p->size_max = 65536;
	p->seg_max = BLK_QUEUE_SIZE_MAX - 2;
	p->cylinders = 16;
	p->heads = 16;
	p->sectors = 64;
	p->blk_size = SECTOR;
	p->physical_block_exp = 3;
	p->min_io_size = 8;
	p->opt_io_size = 64;
	p->writeback = 1;
	p->num_queues = 4;
	p->max_discard_sectors = 8192;
	p->max_discard_seg = 32;
	p->discard_sector_alignment = 8;
	p->max_write_zeroes_sectors = 8192;
	p->max_write_zeroes_seg = 32;
	p->write_zeroes_may_unmap = 1;
	p->max_secure_erase_sectors = 8192;
	p->max_secure_erase_seg = 32;
	p->secure_erase_sector_alignment = 8;
	p->lifetime[0] = VIRTIO_BLK_PRE_EOL_INFO_NORMAL;
	p->lifetime[1] = 1;
	p->lifetime[2] = 1;
	memcpy(p->serial, "virtiocheck-blk0", 16);
	p->offer = BLK_DEFAULT_OFFER;
}

/* A whole decimal or 0x-hex number in [0, max] from s[0..n). */
static int parse_num(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		unsigned dgt;

		if (s[i] >= '0' && s[i] <= '9')
			dgt = (unsigned)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			dgt = (unsigned)(s[i] - 'a' + 10);
		else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
			dgt = (unsigned)(s[i] - 'A' + 10);
		else
			return -1;
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, dgt, &v))
			return -1;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* "A/B/C" with each part in [0, max[k]]. */
static int parse_triple(const char *s, size_t n, const uint64_t max[3], uint64_t out[3])
{
	size_t start = 0, i;
	unsigned k = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '/')
			continue;
		if (k == 3 || parse_num(s + start, i - start, max[k], &out[k]) != 0)
			return -1;
		k++;
		start = i + 1;
	}
	return k == 3 ? 0 : -1;
}

static int parse_features(const char *s, size_t n, uint64_t *offer)
{
	uint64_t f = *offer;
	size_t i = 0;

	if (n == 0) {
		*offer = 0;
		return 0;
	}
	if (s[0] != '+' && s[0] != '-')
		f = 0; /* an absolute list */
	while (i < n) {
		bool add = true;
		size_t j, k;

		if (s[i] == '+' || s[i] == '-')
			add = s[i++] == '+';
		for (j = i; j < n && s[j] != '+' && s[j] != '-'; j++)
			;
		for (k = 0; k < sizeof(feature_names) / sizeof(feature_names[0]); k++)
			if (strlen(feature_names[k].name) == j - i &&
			    memcmp(feature_names[k].name, s + i, j - i) == 0)
				break;
		if (k == sizeof(feature_names) / sizeof(feature_names[0]))
			return -1;
		if (add)
			f |= VIRTIO_BIT(feature_names[k].bit);
		else
			f &= ~VIRTIO_BIT(feature_names[k].bit);
		i = j;
	}
	*offer = f;
	return 0;
}

#define U8  0xffull
#define U16 0xffffull
#define U32 0xffffffffull

/* Numeric keys: name, field offset in struct blk_params, width, maximum. */
struct num_key {
	const char *name;
	size_t off;
	unsigned width;
	uint64_t max;
};

#define NK(n, w, m) { #n, offsetof(struct blk_params, n), w, m }
static const struct num_key num_keys[] = {
	NK(capacity, 8, UINT64_MAX),
	NK(size_max, 4, U32),
	NK(seg_max, 4, U32),
	NK(blk_size, 4, U32),
	NK(physical_block_exp, 1, U8),
	NK(alignment_offset, 1, U8),
	NK(min_io_size, 2, U16),
	NK(opt_io_size, 4, U32),
	NK(writeback, 1, U8),
	NK(num_queues, 2, U16),
	NK(max_discard_sectors, 4, U32),
	NK(max_discard_seg, 4, BLK_SEG_LIMIT),
	NK(discard_sector_alignment, 4, U32),
	NK(max_write_zeroes_sectors, 4, U32),
	NK(max_write_zeroes_seg, 4, BLK_SEG_LIMIT),
	NK(write_zeroes_may_unmap, 1, U8),
	NK(max_secure_erase_sectors, 4, U32),
	NK(max_secure_erase_seg, 4, BLK_SEG_LIMIT),
	NK(secure_erase_sector_alignment, 4, U32),
};
#undef NK

static void store_num(struct blk_params *p, const struct num_key *k, uint64_t v)
{
	uint8_t *f = (uint8_t *)p + k->off;

	switch (k->width) {
	case 1: { uint8_t x = (uint8_t)v; memcpy(f, &x, 1); break; }
	case 2: { uint16_t x = (uint16_t)v; memcpy(f, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(f, &x, 4); break; }
	default: memcpy(f, &v, 8); break;
	}
}

static bool key_is(const char *key, size_t klen, const char *name)
{
	return strlen(name) == klen && memcmp(key, name, klen) == 0;
}

static int parse_pair(struct blk_params *p, const char *key, size_t klen, const char *val,
		      size_t vlen)
{
	uint64_t v, t[3];
	size_t i;

	for (i = 0; i < sizeof(num_keys) / sizeof(num_keys[0]); i++) {
		if (!key_is(key, klen, num_keys[i].name))
			continue;
		if (parse_num(val, vlen, num_keys[i].max, &v) != 0)
			return -1;
		store_num(p, &num_keys[i], v);
		if (i == 0)
			p->capacity_set = true;
		return 0;
	}
	if (key_is(key, klen, "ro")) {
		if (parse_num(val, vlen, 1, &v) != 0)
			return -1;
		if (v)
			p->offer |= VIRTIO_BIT(VIRTIO_BLK_F_RO);
		else
			p->offer &= ~VIRTIO_BIT(VIRTIO_BLK_F_RO);
		return 0;
	}
	if (key_is(key, klen, "geometry")) {
		static const uint64_t max[3] = { U16, U8, U8 };

		if (parse_triple(val, vlen, max, t) != 0)
			return -1;
		p->cylinders = (uint16_t)t[0];
		p->heads = (uint8_t)t[1];
		p->sectors = (uint8_t)t[2];
		return 0;
	}
	if (key_is(key, klen, "lifetime")) {
		static const uint64_t max[3] = { U16, U16, U16 };

		if (parse_triple(val, vlen, max, t) != 0)
			return -1;
		for (i = 0; i < 3; i++)
			p->lifetime[i] = (uint16_t)t[i];
		return 0;
	}
	if (key_is(key, klen, "serial")) {
		if (vlen > VIRTIO_BLK_ID_BYTES)
			return -1;
		memset(p->serial, 0, sizeof(p->serial));
		memcpy(p->serial, val, vlen);
		return 0;
	}
	if (key_is(key, klen, "features"))
		return parse_features(val, vlen, &p->offer);
	if (key_is(key, klen, "file")) {
		if (vlen == 0)
			return -1;
		free(p->file);
		p->file = strndup(val, vlen);
		return p->file ? 0 : -1;
	}
	return -1;
}

static int parse_args(struct blk_params *p, const char *args)
{
	const char *s = args;

	default_params(p);
	if (!args || !*args)
		return 0;
	for (;;) {
		const char *end = strchr(s, ','), *eq;
		size_t n = end ? (size_t)(end - s) : strlen(s);

		eq = memchr(s, '=', n);
		if (!eq || eq == s ||
		    parse_pair(p, s, (size_t)(eq - s), eq + 1, n - (size_t)(eq - s) - 1) != 0)
			return -1;
		if (!end)
			return 0;
		s = end + 1;
	}
}

/* --------------------------------------------------------------- backing */

static int full_pread(int fd, uint8_t *dst, uint64_t len, uint64_t off)
{
	while (len) {
		ssize_t r = pread(fd, dst, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		dst += r;
		off += (uint64_t)r;
		len -= (uint64_t)r;
	}
	return 0;
}

static int full_pwrite(int fd, const uint8_t *src, uint64_t len, uint64_t off)
{
	while (len) {
		ssize_t r = pwrite(fd, src, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		src += r;
		off += (uint64_t)r;
		len -= (uint64_t)r;
	}
	return 0;
}

static uint64_t disk_bytes(const struct blk_dev *d) { return d->p.capacity * SECTOR; }

/* [off, off+len) inside the disk, without overflow */
static bool disk_range_ok(const struct blk_dev *d, uint64_t off, uint64_t len)
{
	return off <= disk_bytes(d) && len <= disk_bytes(d) - off;
}

static int backing_read(struct blk_dev *d, uint64_t off, void *dst, uint64_t len)
{
	if (!disk_range_ok(d, off, len))
		return -1;
	if (d->fd < 0) {
		memcpy(dst, d->ram + off, len);
		return 0;
	}
	return full_pread(d->fd, dst, len, off);
}

static int backing_write(struct blk_dev *d, uint64_t off, const void *src, uint64_t len)
{
	if (!disk_range_ok(d, off, len))
		return -1;
	if (d->fd < 0) {
		memcpy(d->ram + off, src, len);
		return 0;
	}
	return full_pwrite(d->fd, src, len, off);
}

/* Zero [off, off+len): discard, write zeroes and secure erase all leave the
 * range reading as zeroes on this device. */
static int backing_zero(struct blk_dev *d, uint64_t off, uint64_t len)
{
	if (!disk_range_ok(d, off, len))
		return -1;
	if (d->fd < 0) {
		memset(d->ram + off, 0, len);
		return 0;
	}
	while (len) {
		uint64_t n = len < sizeof(zeroes) ? len : sizeof(zeroes);

		if (full_pwrite(d->fd, zeroes, n, off) != 0)
			return -1;
		off += n;
		len -= n;
	}
	return 0;
}

/* The cache is writeback only when FLUSH was negotiated and, with
 * CONFIG_WCE, the driver left writeback at 1 (5.2.6.2 stable writes). */
static bool cache_writeback(const struct blk_dev *d)
{
	if (!(d->features & VIRTIO_BIT(VIRTIO_BLK_F_FLUSH)))
		return false;
	if (d->features & VIRTIO_BIT(VIRTIO_BLK_F_CONFIG_WCE))
		return d->writeback != 0;
	return true;
}

static int backing_sync(struct blk_dev *d)
{
	if (d->fd < 0)
		return 0;
	d->stats.syncs++;
	return fdatasync(d->fd);
}

/* devicenormative: Block Device / Device Operation -- a persistent backend
 * commits stable writes before the completion is reported */
static int after_write(struct blk_dev *d)
{
	return cache_writeback(d) ? 0 : backing_sync(d);
}

/* ------------------------------------------------------------- lifecycle */

static int open_backing(struct blk_dev *d)
{
	struct stat st;
	uint64_t want;

	if (!d->p.file) {
		if (d->p.capacity > BLK_RAM_MAX / SECTOR)
			return -1;
		d->ram = calloc(1, d->p.capacity ? d->p.capacity * SECTOR : 1);
		return d->ram ? 0 : -1;
	}
	d->fd = open(d->p.file, O_RDWR | O_CLOEXEC);
	if (d->fd < 0 || fstat(d->fd, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	if (!d->p.capacity_set)
		d->p.capacity = (uint64_t)st.st_size / SECTOR;
	if (d->p.capacity > BLK_FILE_MAX / SECTOR)
		return -1;
	want = d->p.capacity * SECTOR;
	if ((uint64_t)st.st_size < want && ftruncate(d->fd, (off_t)want) != 0)
		return -1;
	return 0;
}

static void blk_destroy(void *dev)
{
	struct blk_dev *d = dev;

	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	free(d->ram);
	free(d->p.file);
	d->magic = 0;
	free(d);
}

static void *blk_create(const struct vc_host_ops *host, void *h, const char *args)
{
	struct blk_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->magic = BLK_MAGIC;
	d->host = host;
	d->h = h;
	d->fd = -1;
	d->answer_status = -1;
	d->answer_len = -1;
	if (parse_args(&d->p, args) != 0 || open_backing(d) != 0) {
		blk_destroy(d);
		return NULL;
	}
	d->p.offer |= VIRTIO_BIT(VIRTIO_F_VERSION_1);
	d->writeback = d->p.writeback;
	return d;
}

static uint64_t blk_get_features(void *dev) { return ((struct blk_dev *)dev)->p.offer; }

static bool negotiated(const struct blk_dev *d, unsigned bit)
{
	return (d->features & VIRTIO_BIT(bit)) != 0;
}

static int blk_set_features(void *dev, uint64_t f)
{
	struct blk_dev *d = dev;

	d->features = f;
	d->features_ok = true;
	d->writeback = d->p.writeback;
	/* devicenormative: Block Device / Device Initialization -- CONFIG_WCE
	 * without FLUSH: writeback starts at 0 */
	if (negotiated(d, VIRTIO_BLK_F_CONFIG_WCE) && !negotiated(d, VIRTIO_BLK_F_FLUSH))
		d->writeback = 0;
	return 0;
}

static void blk_reset(void *dev)
{
	struct blk_dev *d = dev;

	d->features = 0;
	d->features_ok = false;
	d->writeback = d->p.writeback;
}

/* ------------------------------------------------- configuration space */

static void config_image(const struct blk_dev *d, struct virtio_blk_config *c)
{
	const struct blk_params *p = &d->p;

	/* devicenormative: Block Device / Device Initialization -- unused0
	 * and unused1 are 0 (the memset) */
	memset(c, 0, sizeof(*c));
	c->capacity = cpu_to_le64(p->capacity);
	c->size_max = cpu_to_le32(p->size_max);
	c->seg_max = cpu_to_le32(p->seg_max);
	c->geometry.cylinders = cpu_to_le16(p->cylinders);
	c->geometry.heads = p->heads;
	c->geometry.sectors = p->sectors;
	c->blk_size = cpu_to_le32(p->blk_size);
	c->topology.physical_block_exp = p->physical_block_exp;
	c->topology.alignment_offset = p->alignment_offset;
	c->topology.min_io_size = cpu_to_le16(p->min_io_size);
	c->topology.opt_io_size = cpu_to_le32(p->opt_io_size);
	c->writeback = d->writeback;
	c->num_queues = cpu_to_le16(p->num_queues);
	c->max_discard_sectors = cpu_to_le32(p->max_discard_sectors);
	c->max_discard_seg = cpu_to_le32(p->max_discard_seg);
	c->discard_sector_alignment = cpu_to_le32(p->discard_sector_alignment);
	c->max_write_zeroes_sectors = cpu_to_le32(p->max_write_zeroes_sectors);
	c->max_write_zeroes_seg = cpu_to_le32(p->max_write_zeroes_seg);
	c->write_zeroes_may_unmap = p->write_zeroes_may_unmap;
	c->max_secure_erase_sectors = cpu_to_le32(p->max_secure_erase_sectors);
	c->max_secure_erase_seg = cpu_to_le32(p->max_secure_erase_seg);
	c->secure_erase_sector_alignment = cpu_to_le32(p->secure_erase_sector_alignment);
}

#define WB_OFF offsetof(struct virtio_blk_config, writeback)

static void blk_config_read(void *dev, uint32_t off, void *dst, uint32_t len)
{
	struct blk_dev *d = dev;
	struct virtio_blk_config c;

	/* the host guarantees off + len <= config_size */
	config_image(d, &c);
	memcpy(dst, (const uint8_t *)&c + off, len);
	/* drivernormative: Block Device / Device Initialization -- writeback
	 * is not read before FEATURES_OK; the read is answered and counted */
	if (!d->features_ok && off <= WB_OFF && WB_OFF - off < len)
		d->stats.writeback_read_early++;
}

static void blk_config_write(void *dev, uint32_t off, const void *src, uint32_t len)
{
	struct blk_dev *d = dev;
	const uint8_t *b = src;
	uint32_t i;

	for (i = 0; i < len; i++) {
		/* 5.2.5: with CONFIG_WCE the driver switches the cache mode
		 * by writing 0 or 1 to writeback; everything else is
		 * read-only and ignored */
		if (off + i == WB_OFF && negotiated(d, VIRTIO_BLK_F_CONFIG_WCE) && b[i] <= 1)
			d->writeback = b[i];
		else
			d->stats.config_writes_ignored++;
	}
}

/* ------------------------------------------------------------- requests */

enum vc_blk_slot vc_blk_type_slot(uint32_t type)
{
	switch (type) {
	case VIRTIO_BLK_T_IN: return VC_BLK_SLOT_IN;
	case VIRTIO_BLK_T_OUT: return VC_BLK_SLOT_OUT;
	case VIRTIO_BLK_T_FLUSH: return VC_BLK_SLOT_FLUSH;
	case VIRTIO_BLK_T_GET_ID: return VC_BLK_SLOT_GET_ID;
	case VIRTIO_BLK_T_GET_LIFETIME: return VC_BLK_SLOT_GET_LIFETIME;
	case VIRTIO_BLK_T_DISCARD: return VC_BLK_SLOT_DISCARD;
	case VIRTIO_BLK_T_WRITE_ZEROES: return VC_BLK_SLOT_WRITE_ZEROES;
	case VIRTIO_BLK_T_SECURE_ERASE: return VC_BLK_SLOT_SECURE_ERASE;
	default: return VC_BLK_SLOT_OTHER;
	}
}

/* One request in progress: the element and what is known of it. */
struct blk_req {
	const struct vc_elem *e;
	uint32_t type;
	uint64_t sector;
	uint64_t data_in;   /* writable bytes before the status byte */
	uint64_t data_out;  /* readable bytes after the header */
	uint64_t written;   /* writable bytes produced, from offset 0 */
};

#define HDR_BYTES ((uint64_t)sizeof(struct virtio_blk_req_hdr))

/* The driver broke a request rule (drivernormative: Block Device / Device
 * Operation) the device can answer: VIRTIO_BLK_S_IOERR, "device or driver
 * error". */
static uint8_t driver_error(struct blk_dev *d)
{
	d->stats.driver_errors++;
	return VIRTIO_BLK_S_IOERR;
}

/* [sector, sector + nsect) inside capacity, overflow-safe */
static bool sectors_ok(const struct blk_dev *d, uint64_t sector, uint64_t nsect)
{
	return sector <= d->p.capacity && nsect <= d->p.capacity - sector;
}

static bool ro(const struct blk_dev *d)
{
	return (d->p.offer & VIRTIO_BIT(VIRTIO_BLK_F_RO)) != 0;
}

static uint8_t do_in(struct blk_dev *d, struct blk_req *r)
{
	uint64_t off, done = 0;

	if (r->data_out)
		return driver_error(d); /* data of a read is device-writable */
	/* drivernormative: data of IN is a multiple of 512, within capacity */
	if (r->data_in % SECTOR || !sectors_ok(d, r->sector, r->data_in / SECTOR))
		return driver_error(d);
	off = r->sector * SECTOR;
	if (d->fd < 0) {
		done = d->host->elem_write(d->h, r->e, 0, d->ram + off, r->data_in);
		r->written = done;
		return done == r->data_in ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
	}
	while (done < r->data_in) {
		uint64_t n = r->data_in - done < BLK_BOUNCE ? r->data_in - done : BLK_BOUNCE;

		if (full_pread(d->fd, d->bounce, n, off + done) != 0)
			return VIRTIO_BLK_S_IOERR;
		if (d->host->elem_write(d->h, r->e, done, d->bounce, n) != n)
			return VIRTIO_BLK_S_IOERR;
		done += n;
		r->written = done;
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_out(struct blk_dev *d, struct blk_req *r)
{
	uint64_t off, done = 0;

	/* devicenormative: Block Device / Device Operation -- RO offered:
	 * IOERR and no data written */
	if (ro(d))
		return VIRTIO_BLK_S_IOERR;
	if (r->data_in)
		return driver_error(d); /* data of a write is device-readable */
	if (r->data_out % SECTOR || !sectors_ok(d, r->sector, r->data_out / SECTOR))
		return driver_error(d);
	off = r->sector * SECTOR;
	while (done < r->data_out) {
		uint64_t n = r->data_out - done < BLK_BOUNCE ? r->data_out - done : BLK_BOUNCE;

		if (d->host->elem_read(d->h, r->e, HDR_BYTES + done, d->bounce, n) != n)
			return VIRTIO_BLK_S_IOERR;
		if (backing_write(d, off + done, d->bounce, n) != 0)
			return VIRTIO_BLK_S_IOERR;
		d->stats.backing_bytes_written += n;
		done += n;
	}
	return after_write(d) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
}

static uint8_t do_flush(struct blk_dev *d, struct blk_req *r)
{
	if (!negotiated(d, VIRTIO_BLK_F_FLUSH))
		return VIRTIO_BLK_S_UNSUPP;
	/* drivernormative: sector is 0 for FLUSH (data SHOULD NOT be there
	 * and is ignored) */
	if (r->sector != 0)
		return driver_error(d);
	return backing_sync(d) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
}

static uint8_t do_get_id(struct blk_dev *d, struct blk_req *r)
{
	/* drivernormative: the data of GET_ID is 20 bytes; the ID string is
	 * NUL-padded, without a terminator when it is 20 bytes long */
	if (r->data_out || r->data_in != VIRTIO_BLK_ID_BYTES)
		return driver_error(d);
	r->written = d->host->elem_write(d->h, r->e, 0, d->p.serial, VIRTIO_BLK_ID_BYTES);
	return r->written == VIRTIO_BLK_ID_BYTES ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
}

static uint8_t do_get_lifetime(struct blk_dev *d, struct blk_req *r)
{
	struct virtio_blk_lifetime lt;

	if (!negotiated(d, VIRTIO_BLK_F_LIFETIME))
		return VIRTIO_BLK_S_UNSUPP;
	if (r->data_out || r->data_in != sizeof(lt))
		return driver_error(d);
	lt.pre_eol_info = cpu_to_le16(d->p.lifetime[0]);
	lt.device_lifetime_est_typ_a = cpu_to_le16(d->p.lifetime[1]);
	lt.device_lifetime_est_typ_b = cpu_to_le16(d->p.lifetime[2]);
	r->written = d->host->elem_write(d->h, r->e, 0, &lt, sizeof(lt));
	return r->written == sizeof(lt) ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
}

/* DISCARD, WRITE_ZEROES, SECURE_ERASE: segments of struct
 * virtio_blk_discard_write_zeroes. Every segment is copied once, all are
 * checked, then all are applied, so a refused request changes nothing. */
static uint8_t do_ranges(struct blk_dev *d, struct blk_req *r, unsigned feature,
			 uint32_t max_seg, uint32_t max_sectors)
{
	uint64_t nseg, i;

	if (!negotiated(d, feature))
		return VIRTIO_BLK_S_UNSUPP;
	if (r->data_in)
		return driver_error(d); /* the segments are device-readable */
	/* drivernormative: data is a (non-empty) multiple of the segment */
	if (r->data_out == 0 || r->data_out % sizeof(struct virtio_blk_discard_write_zeroes))
		return driver_error(d);
	nseg = r->data_out / sizeof(struct virtio_blk_discard_write_zeroes);
	/* drivernormative: no more than max_*_seg segments -- a request
	 * with more segments than the device supports is UNSUPP */
	if (nseg > max_seg || nseg > BLK_SEG_LIMIT) {
		d->stats.driver_errors++;
		return VIRTIO_BLK_S_UNSUPP;
	}
	if (d->host->elem_read(d->h, r->e, HDR_BYTES, d->segs, r->data_out) != r->data_out)
		return VIRTIO_BLK_S_IOERR;
	for (i = 0; i < nseg; i++) {
		uint32_t flags = le32_to_cpu(d->segs[i].flags);

		/* devicenormative: Block Device / Device Operation -- UNSUPP
		 * for an unknown flag, and for unmap on DISCARD */
		if (flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)
			return VIRTIO_BLK_S_UNSUPP;
		if (r->type == VIRTIO_BLK_T_DISCARD && (flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))
			return VIRTIO_BLK_S_UNSUPP;
	}
	/* devicenormative: RO offered -- IOERR, nothing written */
	if (ro(d))
		return VIRTIO_BLK_S_IOERR;
	for (i = 0; i < nseg; i++) {
		uint64_t sector = le64_to_cpu(d->segs[i].sector);
		uint32_t n = le32_to_cpu(d->segs[i].num_sectors);

		if (n > max_sectors || !sectors_ok(d, sector, n))
			return driver_error(d);
	}
	/* devicenormative: after WRITE_ZEROES the ranges read as zeroes; this
	 * device does the same for DISCARD and SECURE_ERASE */
	for (i = 0; i < nseg; i++) {
		uint64_t sector = le64_to_cpu(d->segs[i].sector);
		uint64_t bytes = (uint64_t)le32_to_cpu(d->segs[i].num_sectors) * SECTOR;

		if (backing_zero(d, sector * SECTOR, bytes) != 0)
			return VIRTIO_BLK_S_IOERR;
		d->stats.backing_bytes_written += bytes;
	}
	if (r->type == VIRTIO_BLK_T_SECURE_ERASE)
		return backing_sync(d) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
	return after_write(d) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
}

static uint8_t dispatch(struct blk_dev *d, struct blk_req *r)
{
	const struct blk_params *p = &d->p;

	switch (r->type) {
	case VIRTIO_BLK_T_IN: return do_in(d, r);
	case VIRTIO_BLK_T_OUT: return do_out(d, r);
	case VIRTIO_BLK_T_FLUSH: return do_flush(d, r);
	case VIRTIO_BLK_T_GET_ID: return do_get_id(d, r);
	case VIRTIO_BLK_T_GET_LIFETIME: return do_get_lifetime(d, r);
	case VIRTIO_BLK_T_DISCARD:
		return do_ranges(d, r, VIRTIO_BLK_F_DISCARD, p->max_discard_seg,
				 p->max_discard_sectors);
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return do_ranges(d, r, VIRTIO_BLK_F_WRITE_ZEROES, p->max_write_zeroes_seg,
				 p->max_write_zeroes_sectors);
	case VIRTIO_BLK_T_SECURE_ERASE:
		return do_ranges(d, r, VIRTIO_BLK_F_SECURE_ERASE, p->max_secure_erase_seg,
				 p->max_secure_erase_sectors);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* Zero-fill the writable bytes not produced, then the status byte. */
static int finish(struct blk_dev *d, struct blk_req *r, uint8_t status)
{
	uint64_t off = r->written;

	while (off < r->data_in) {
		uint64_t n = r->data_in - off < sizeof(zeroes) ? r->data_in - off : sizeof(zeroes);

		if (d->host->elem_write(d->h, r->e, off, zeroes, n) != n)
			return -1;
		off += n;
	}
	return d->host->elem_write(d->h, r->e, r->data_in, &status, 1) == 1 ? 0 : -1;
}

/* 0: answered; -1: the driver was reported (fail), stop the queue. */
static int handle(struct blk_dev *d, uint16_t q, const struct vc_elem *e)
{
	struct virtio_blk_req_hdr hdr;
	struct blk_req r = { .e = e };
	uint8_t status, answer;
	uint32_t used;

	/* drivernormative: Block Device / Device Operation -- a request is a
	 * whole device-readable header (in any descriptors), data and a
	 * device-writable status byte; without them there is nothing the
	 * device can answer */
	if (e->readable_bytes < HDR_BYTES ||
	    d->host->elem_read(d->h, e, 0, &hdr, HDR_BYTES) != HDR_BYTES) {
		d->stats.malformed++;
		d->host->fail(d->h, CL_DRV_BLK_OP, "request shorter than the 16-byte header");
		return -1;
	}
	if (e->writable_bytes == 0 || e->writable_bytes > UINT32_MAX) {
		d->stats.malformed++;
		d->host->fail(d->h, CL_DRV_BLK_OP, "request without a device-writable status byte");
		return -1;
	}
	r.type = le32_to_cpu(hdr.type);
	r.sector = le64_to_cpu(hdr.sector);
	r.data_out = e->readable_bytes - HDR_BYTES;
	r.data_in = e->writable_bytes - 1;
	status = dispatch(d, &r);
	/* the test hook rewrites what the driver sees; the work and the
	 * statistics are the device's own */
	answer = d->answer_status >= 0 ? (uint8_t)d->answer_status : status;
	if (finish(d, &r, answer) != 0) {
		d->stats.malformed++;
		d->host->fail(d->h, CL_DRV_BLK_OP, "request buffer not writable as posted");
		return -1;
	}
	d->stats.requests[vc_blk_type_slot(r.type)][status]++;
	d->stats.per_queue[q]++;
	used = d->answer_len >= 0 ? (uint32_t)d->answer_len : (uint32_t)e->writable_bytes;
	d->answer_status = -1;
	d->answer_len = -1;
	d->host->queue_push(d->h, q, e, used);
	return 0;
}

/* 5.2.2: queue 0 only, or num_queues request queues under MQ */
static uint16_t request_queues(const struct blk_dev *d)
{
	uint16_t n = d->p.num_queues;

	if (!negotiated(d, VIRTIO_BLK_F_MQ))
		return 1;
	if (n == 0)
		n = 1;
	return n < VC_BLK_MAX_QUEUES ? n : VC_BLK_MAX_QUEUES;
}

static void blk_queue_notify(void *dev, uint16_t q)
{
	struct blk_dev *d = dev;
	struct vc_elem e;

	if (q >= request_queues(d)) {
		d->stats.ignored_notifies++;
		return;
	}
	while (d->host->queue_pop(d->h, q, &e) == VC_POP_OK)
		if (handle(d, q, &e) != 0)
			return;
	d->host->queue_flush(d->h, q);
}

/* ------------------------------------------------------- observation */

static struct blk_dev *as_blk(void *dev)
{
	struct blk_dev *d = dev;

	return d && d->magic == BLK_MAGIC ? d : NULL;
}

int vc_blk_backing_read(void *dev, uint64_t off, void *dst, uint64_t len)
{
	struct blk_dev *d = as_blk(dev);

	return d ? backing_read(d, off, dst, len) : -1;
}

int vc_blk_backing_write(void *dev, uint64_t off, const void *src, uint64_t len)
{
	struct blk_dev *d = as_blk(dev);

	return d ? backing_write(d, off, src, len) : -1;
}

uint64_t vc_blk_capacity(void *dev)
{
	struct blk_dev *d = as_blk(dev);

	return d ? d->p.capacity : 0;
}

int vc_blk_writeback(void *dev)
{
	struct blk_dev *d = as_blk(dev);

	return d ? d->writeback : -1;
}

const struct vc_blk_stats *vc_blk_stats(void *dev)
{
	struct blk_dev *d = as_blk(dev);

	return d ? &d->stats : NULL;
}

/* ------------------------------------------------------------ test hook */

int vc_blk_override_next_answer(void *dev, int status, int64_t used_len)
{
	struct blk_dev *d = as_blk(dev);

	if (!d || status < -1 || status > 0xff || used_len < -1 || used_len > UINT32_MAX)
		return -1;
	d->answer_status = status;
	d->answer_len = used_len;
	return 0;
}

const struct vc_device_ops vc_blk_device_ops = {
	.abi_version = VC_DEVICE_ABI_VERSION,
	.struct_size = sizeof(struct vc_device_ops),
	.name = "blk",
	.device_id = VIRTIO_ID_BLOCK,
	.num_queues = VC_BLK_MAX_QUEUES,
	.queue_size_max = BLK_QUEUE_SIZE_MAX,
	.config_size = sizeof(struct virtio_blk_config),
	.create = blk_create,
	.destroy = blk_destroy,
	.get_features = blk_get_features,
	.set_features = blk_set_features,
	.config_read = blk_config_read,
	.config_write = blk_config_write,
	.activate = NULL,
	.reset = blk_reset,
	.queue_notify = blk_queue_notify,
};
