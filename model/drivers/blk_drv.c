// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-blk driver (VIRTIO 1.2 5.2). See blk_drv.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "blk_drv.h"
#include "virtiocheck/clause.h"
#include "virtiocheck/virtio.h"
#include "virtiocheck/virtio_mmio.h"

/* vq_drv_get polls after a kick before the device counts as not answering */
#define VBLK_POLLS 100000u
#define SECTOR     VIRTIO_BLK_SECTOR_SIZE
#define HDR        ((uint32_t)sizeof(struct virtio_blk_req_hdr))
#define SEG        ((uint32_t)sizeof(struct virtio_blk_discard_write_zeroes))

static bool has(uint64_t features, unsigned bit) { return (features & VIRTIO_BIT(bit)) != 0; }

__attribute__((format(printf, 4, 5)))
static void violation(vdrv_t *d, const char *clause, uint16_t queue, const char *fmt, ...)
{
	struct vc_violation v;
	va_list ap;

	va_start(ap, fmt);
	vc_violation_vset(&v, VC_SEV_FATAL, clause, queue, VC_NO_INDEX, fmt, ap);
	va_end(ap);
	vdrv_violation(d, &v);
}

/* ------------------------------------------------------- configuration */

/* Bytes of struct virtio_blk_config the negotiated features make present. */
static uint32_t config_need(uint64_t f)
{
	uint32_t need = offsetof(struct virtio_blk_config, size_max);

#define NEED(bit, end) if (has(f, bit) && need < (end)) need = (end)
	NEED(VIRTIO_BLK_F_SIZE_MAX, offsetof(struct virtio_blk_config, seg_max));
	NEED(VIRTIO_BLK_F_SEG_MAX, offsetof(struct virtio_blk_config, geometry));
	NEED(VIRTIO_BLK_F_GEOMETRY, offsetof(struct virtio_blk_config, blk_size));
	NEED(VIRTIO_BLK_F_BLK_SIZE, offsetof(struct virtio_blk_config, topology));
	NEED(VIRTIO_BLK_F_TOPOLOGY, offsetof(struct virtio_blk_config, writeback));
	NEED(VIRTIO_BLK_F_CONFIG_WCE, offsetof(struct virtio_blk_config, num_queues));
	NEED(VIRTIO_BLK_F_MQ, offsetof(struct virtio_blk_config, max_discard_sectors));
	NEED(VIRTIO_BLK_F_DISCARD, offsetof(struct virtio_blk_config, max_write_zeroes_sectors));
	NEED(VIRTIO_BLK_F_WRITE_ZEROES, offsetof(struct virtio_blk_config, max_secure_erase_sectors));
	NEED(VIRTIO_BLK_F_SECURE_ERASE, (uint32_t)sizeof(struct virtio_blk_config));
#undef NEED
	return need;
}

/* Queues the transport provides: num_queues on PCI. virtio-mmio has no
 * count: the queues before the first whose QueueNumMax reads 0 (4.2.3.2). */
static uint16_t transport_queues(vdrv_t *d)
{
	uint16_t q;

	if (!vdrv_is_mmio(d))
		return (uint16_t)vdrv_common_read(d, VIRTIO_PCI_COMMON_NUMQ, 2);
	for (q = 0; q < VDRV_MAX_QUEUES; q++) {
		vdrv_common_write(d, VIRTIO_MMIO_QUEUE_SEL, 4, q);
		if (vdrv_common_read(d, VIRTIO_MMIO_QUEUE_NUM_MAX, 4) == 0)
			break;
	}
	return q;
}

#define BAD(...)                                                       \
	do {                                                           \
		violation(d, CL_DEV_BLK_INIT, VC_NO_QUEUE, __VA_ARGS__); \
		return -1;                                             \
	} while (0)

/*
 * Read the configuration once (FEATURES_OK must be set: writeback is read
 * too) and refuse what the driver cannot use. The spec's MUSTs
 * (devicenormative: Block Device / Device Initialization) are the FLUSH /
 * CONFIG_WCE offer, the initial writeback and the zero padding; the other
 * checks keep the driver from dividing by or looping on a hostile value.
 */
int vblk_drv_read_config(vdrv_t *d, struct vblk_info *info)
{
	uint64_t f = vdrv_features(d), offered = vdrv_device_features(d);
	struct virtio_blk_config c;
	uint32_t need = config_need(f), got = sizeof(c);

	memset(info, 0, sizeof(*info));
	memset(&c, 0, sizeof(c));
	if (vdrv_config_read(d, 0, &c, sizeof(c)) != 0) {
		memset(&c, 0, sizeof(c));
		got = need;
		if (vdrv_config_read(d, 0, &c, need) != 0)
			BAD("device configuration shorter than the %u bytes the negotiated features "
			    "need", need);
	}
	if (has(offered, VIRTIO_BLK_F_CONFIG_WCE) && !has(offered, VIRTIO_BLK_F_FLUSH))
		BAD("VIRTIO_BLK_F_CONFIG_WCE offered without VIRTIO_BLK_F_FLUSH");
	if (got > offsetof(struct virtio_blk_config, unused0) && c.unused0 != 0)
		BAD("unused0 is 0x%02x, not 0", c.unused0);
	if (got >= offsetof(struct virtio_blk_config, max_secure_erase_sectors) &&
	    (c.unused1[0] | c.unused1[1] | c.unused1[2]) != 0)
		BAD("unused1 is not zero");

	info->capacity = le64_to_cpu(c.capacity);
	if (info->capacity > UINT64_MAX / SECTOR)
		BAD("capacity %llu sectors is not addressable in bytes",
		    (unsigned long long)info->capacity);
	info->ro = has(offered, VIRTIO_BLK_F_RO);
	info->blk_size = SECTOR;
	info->num_queues = 1;
	if (has(f, VIRTIO_BLK_F_SIZE_MAX)) {
		info->size_max = le32_to_cpu(c.size_max);
		if (info->size_max < SECTOR)
			BAD("size_max %u is smaller than a sector", info->size_max);
	}
	if (has(f, VIRTIO_BLK_F_SEG_MAX)) {
		info->seg_max = le32_to_cpu(c.seg_max);
		if (info->seg_max == 0)
			BAD("seg_max is 0");
	}
	if (has(f, VIRTIO_BLK_F_GEOMETRY)) {
		info->cylinders = le16_to_cpu(c.geometry.cylinders);
		info->heads = c.geometry.heads;
		info->sectors = c.geometry.sectors;
	}
	if (has(f, VIRTIO_BLK_F_BLK_SIZE)) {
		info->blk_size = le32_to_cpu(c.blk_size);
		if (info->blk_size < SECTOR || info->blk_size > 65536 ||
		    (info->blk_size & (info->blk_size - 1)))
			BAD("blk_size %u is not a power of two in [512, 65536]", info->blk_size);
	}
	if (has(f, VIRTIO_BLK_F_TOPOLOGY)) {
		info->physical_block_exp = c.topology.physical_block_exp;
		info->alignment_offset = c.topology.alignment_offset;
		info->min_io_size = le16_to_cpu(c.topology.min_io_size);
		info->opt_io_size = le32_to_cpu(c.topology.opt_io_size);
		if (info->physical_block_exp > 15)
			BAD("physical_block_exp %u is too large", info->physical_block_exp);
	}
	if (has(f, VIRTIO_BLK_F_CONFIG_WCE)) {
		info->writeback = c.writeback;
		if (info->writeback > 1)
			BAD("writeback is %u, neither 0 nor 1", info->writeback);
		if (!has(f, VIRTIO_BLK_F_FLUSH) && info->writeback != 0)
			BAD("CONFIG_WCE negotiated without FLUSH but writeback starts at %u",
			    info->writeback);
	}
	if (has(f, VIRTIO_BLK_F_MQ)) {
		uint16_t numq = transport_queues(d);

		info->num_queues = le16_to_cpu(c.num_queues);
		if (info->num_queues == 0 || info->num_queues > numq ||
		    info->num_queues > VDRV_MAX_QUEUES)
			BAD("num_queues %u is not in 1..%u (queues of the transport)",
			    info->num_queues, numq < VDRV_MAX_QUEUES ? numq : VDRV_MAX_QUEUES);
	}
	if (has(f, VIRTIO_BLK_F_DISCARD)) {
		info->max_discard_sectors = le32_to_cpu(c.max_discard_sectors);
		info->max_discard_seg = le32_to_cpu(c.max_discard_seg);
		info->discard_sector_alignment = le32_to_cpu(c.discard_sector_alignment);
		if (!info->max_discard_sectors || !info->max_discard_seg)
			BAD("DISCARD negotiated with max_discard_sectors %u, max_discard_seg %u",
			    info->max_discard_sectors, info->max_discard_seg);
	}
	if (has(f, VIRTIO_BLK_F_WRITE_ZEROES)) {
		info->max_write_zeroes_sectors = le32_to_cpu(c.max_write_zeroes_sectors);
		info->max_write_zeroes_seg = le32_to_cpu(c.max_write_zeroes_seg);
		info->write_zeroes_may_unmap = c.write_zeroes_may_unmap;
		if (!info->max_write_zeroes_sectors || !info->max_write_zeroes_seg)
			BAD("WRITE_ZEROES negotiated with max_write_zeroes_sectors %u, "
			    "max_write_zeroes_seg %u",
			    info->max_write_zeroes_sectors, info->max_write_zeroes_seg);
	}
	if (has(f, VIRTIO_BLK_F_SECURE_ERASE)) {
		info->max_secure_erase_sectors = le32_to_cpu(c.max_secure_erase_sectors);
		info->max_secure_erase_seg = le32_to_cpu(c.max_secure_erase_seg);
		info->secure_erase_sector_alignment = le32_to_cpu(c.secure_erase_sector_alignment);
		if (!info->max_secure_erase_sectors || !info->max_secure_erase_seg)
			BAD("SECURE_ERASE negotiated with max_secure_erase_sectors %u, "
			    "max_secure_erase_seg %u",
			    info->max_secure_erase_sectors, info->max_secure_erase_seg);
	}
	return 0;
}

#undef BAD

/* Validate the configuration before the first queue is set up (FEATURES_OK
 * is set and was accepted), and set up only the device's request queues. */
static enum vdrv_hook_action init_hook(void *ctx, vdrv_t *d, struct vdrv_step_ctx *s)
{
	struct vblk_info info;

	(void)ctx;
	if (s->step != VDRV_STEP_QUEUE_SETUP)
		return VDRV_PROCEED;
	if (vblk_drv_read_config(d, &info) != 0) {
		/* drivernormative: Device Initialization -- give up: FAILED */
		vdrv_set_status(d, (uint8_t)(vdrv_status(d) | VIRTIO_STATUS_FAILED));
		return VDRV_ABORT;
	}
	return s->queue < info.num_queues ? VDRV_PROCEED : VDRV_SKIP;
}

void vblk_drv_config(struct vdrv_config *cfg, uint64_t wanted_features)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->device_id = VIRTIO_ID_BLOCK;
	/* drivernormative (SHOULD): accept VIRTIO_BLK_F_RO if offered */
	cfg->wanted_features = wanted_features | VIRTIO_BIT(VIRTIO_F_VERSION_1) |
			       VIRTIO_BIT(VIRTIO_BLK_F_RO);
	cfg->num_queues = 1;
	cfg->queue_size = 128;
	cfg->indirect_max = VBLK_INDIRECT_MAX;
	cfg->use_msix = true;
	cfg->hook = init_hook;
}

int vblk_drv_attach(struct vblk_drv *b, vdrv_t *d)
{
	uint16_t q;

	memset(b, 0, sizeof(*b));
	b->d = d;
	b->segments = 1;
	b->features = vdrv_features(d);
	if (vblk_drv_read_config(d, &b->info) != 0)
		return -1;
	for (q = 0; q < b->info.num_queues && vdrv_queue(d, q); q++)
		;
	b->num_queues = q;
	b->max_data = VBLK_MAX_DATA;
	if (b->info.size_max && b->info.seg_max &&
	    (uint64_t)b->info.size_max * b->info.seg_max < b->max_data)
		b->max_data = (uint32_t)((uint64_t)b->info.size_max * b->info.seg_max) / SECTOR * SECTOR;
	b->buf_size = HDR + VBLK_MAX_DATA + 64;
	b->buf = vdrv_alloc(d, b->buf_size, 64);
	return b->buf && b->num_queues ? 0 : -1;
}

/* ------------------------------------------------------------- posting */

static uint64_t next_rand(struct vblk_drv *b)
{
	uint64_t z = (b->seg_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t pick(struct vblk_drv *b, bool random, uint64_t lo, uint64_t hi, uint64_t even)
{
	if (random)
		return lo + next_rand(b) % (hi - lo + 1);
	return even < lo ? lo : even > hi ? hi : even;
}

/*
 * Cut [gpa, gpa + len) into descriptors of at most max_piece bytes, at most
 * room of them, appended to v[*n]. The number is `segments` (or drawn up to
 * it), never fewer than max_piece forces. 0 or -1 (does not fit).
 */
static int cut(struct vblk_drv *b, bool random, uint64_t gpa, uint32_t len, uint32_t max_piece,
	       unsigned room, struct vq_buf *v, unsigned *n)
{
	uint64_t min_k, hi, k, i, left = len;

	if (len == 0)
		return 0;
	min_k = ((uint64_t)len + max_piece - 1) / max_piece;
	if (min_k > room)
		return -1;
	hi = b->segments ? b->segments : 1;
	if (hi > len)
		hi = len;
	if (hi > room)
		hi = room;
	if (hi < min_k)
		hi = min_k;
	k = pick(b, random, min_k, hi, hi);
	for (i = 0; i < k; i++) {
		uint64_t r = k - i, lo, top, piece;

		/* what stays must fit into the remaining r - 1 pieces */
		lo = left > (r - 1) * max_piece ? left - (r - 1) * max_piece : 1;
		top = left - (r - 1) < max_piece ? left - (r - 1) : max_piece;
		piece = r == 1 ? left : pick(b, random, lo, top, (left + r - 1) / r);
		v[*n] = (struct vq_buf){ gpa, (uint32_t)piece };
		(*n)++;
		gpa += piece;
		left -= piece;
	}
	return 0;
}

/* Post one chain, notify, wait for its completion. 1 with *len, 0 when the
 * device did not answer (the buffers stay the device's: stuck), -1 when it
 * could not be posted. */
static int post_wait(struct vblk_drv *b, uint16_t q, const struct vq_buf *out, unsigned n_out,
		     const struct vq_buf *in, unsigned n_in, bool indirect, uint32_t *len)
{
	vq_drv_t *vq = vdrv_queue(b->d, q);
	void *tok = NULL;
	unsigned polls;

	if (b->stuck || q >= b->num_queues || !vq)
		return -1;
	if (vq_drv_add(vq, out, n_out, in, n_in, b, indirect) < 0)
		return -1;
	vdrv_kick(b->d, q);
	for (polls = 0; polls < VBLK_POLLS; polls++) {
		int rc = vq_drv_get(vq, &tok, len);

		if (rc == 1 && tok == b)
			return 1;
		if (rc != 0)
			break;
	}
	b->stuck = true;
	return 0;
}

static unsigned desc_room(struct vblk_drv *b, uint16_t q, bool indirect)
{
	vq_drv_t *vq = vdrv_queue(b->d, q);
	unsigned room = vq ? vq_drv_num_free(vq) : 0;

	/* one request at a time: an idle queue has all its descriptors free,
	 * and an indirect table has min(VBLK_INDIRECT_MAX, size) entries */
	if (indirect && room > VBLK_INDIRECT_MAX)
		room = VBLK_INDIRECT_MAX;
	return room < VBLK_MAX_DESC ? room : VBLK_MAX_DESC;
}

/*
 * One request: header at buf, data_len bytes of data at buf + 16 (placed by
 * the caller when device-readable), status byte after the data. Returns the
 * status byte or -1 (not sent, no answer, or a device violation recorded).
 */
static int do_request(struct vblk_drv *b, uint16_t q, uint32_t type, uint64_t sector,
		      uint32_t data_len, bool data_writable, bool modifies)
{
	struct virtio_blk_req_hdr hdr = {
		.type = cpu_to_le32(type), .reserved = cpu_to_le32(0), .sector = cpu_to_le64(sector),
	};
	struct vq_buf out[VBLK_MAX_DESC], in[VBLK_MAX_DESC];
	unsigned n_out = 0, n_in = 0, room = desc_room(b, q, b->indirect), min_data, hdr_room;
	uint32_t piece_max = b->info.size_max ? b->info.size_max : UINT32_MAX;
	uint32_t data_room, used = 0, in_len = (data_writable ? data_len : 0) + 1;
	uint64_t status_gpa = b->buf + HDR + data_len;
	bool random = b->seg_state != 0;
	uint8_t st = 0xff;
	int rc;

	if (data_len > b->max_data || room < 2)
		return -1;
	if (gm_write(vdrv_mem(b->d), b->buf, &hdr, HDR) != 0 ||
	    gm_write(vdrv_mem(b->d), status_gpa, &st, 1) != 0)
		return -1;
	min_data = (unsigned)(((uint64_t)data_len + piece_max - 1) / piece_max);
	if (min_data + 2 > room)
		return -1;
	hdr_room = room - min_data - 1;
	if (cut(b, random, b->buf, HDR, piece_max < HDR ? piece_max : HDR, hdr_room, out, &n_out))
		return -1;
	data_room = room - n_out - 1;
	/* seg_max counts the data segments of a request */
	if (b->info.seg_max && data_room > b->info.seg_max)
		data_room = b->info.seg_max;
	if (data_writable)
		rc = cut(b, random, b->buf + HDR, data_len, piece_max, data_room, in, &n_in);
	else
		rc = cut(b, random, b->buf + HDR, data_len, piece_max, data_room, out, &n_out);
	if (rc != 0)
		return -1;
	in[n_in++] = (struct vq_buf){ status_gpa, 1 };

	if (post_wait(b, q, out, n_out, in, n_in, b->indirect, &used) != 1)
		return -1;
	/* the status byte is the last writable byte: the used len must cover
	 * it for the driver to rely on it (drivernormative: The Virtqueue
	 * Used Ring -- nothing beyond the first len bytes) */
	if (used < in_len) {
		violation(b->d, CL_DEV_BLK_OP, q,
			  "request type %u: used len %u does not cover the status byte (%u writable "
			  "bytes)", type, used, in_len);
		return -1;
	}
	if (gm_read(vdrv_mem(b->d), status_gpa, &st, 1) != 0)
		return -1;
	if (st > VIRTIO_BLK_S_UNSUPP) {
		violation(b->d, CL_DEV_BLK_OP, q, "request type %u: status byte %u", type, st);
		return -1;
	}
	/* devicenormative: Block Device / Device Operation -- RO offered:
	 * writes fail with IOERR */
	if (modifies && b->info.ro && st == VIRTIO_BLK_S_OK) {
		violation(b->d, CL_DEV_BLK_OP, q,
			  "request type %u completed OK although VIRTIO_BLK_F_RO is offered", type);
		return -1;
	}
	return st;
}

/* ---------------------------------------------------------- operations */

/* drivernormative: Block Device / Device Operation -- nothing beyond
 * capacity (overflow-safe) */
static bool within(const struct vblk_drv *b, uint64_t sector, uint64_t nsect)
{
	return sector <= b->info.capacity && nsect <= b->info.capacity - sector;
}

int vblk_drv_read(struct vblk_drv *b, uint16_t q, uint64_t sector, void *dst, uint32_t nsect)
{
	uint8_t *out = dst;
	uint32_t per = b->max_data / SECTOR;

	if (!within(b, sector, nsect) || per == 0)
		return -1;
	while (nsect) {
		uint32_t n = nsect < per ? nsect : per;
		int st = do_request(b, q, VIRTIO_BLK_T_IN, sector, n * SECTOR, true, false);

		if (st != VIRTIO_BLK_S_OK)
			return st;
		if (gm_read(vdrv_mem(b->d), b->buf + HDR, out, (uint64_t)n * SECTOR) != 0)
			return -1;
		out += (size_t)n * SECTOR;
		sector += n;
		nsect -= n;
	}
	return VIRTIO_BLK_S_OK;
}

int vblk_drv_write(struct vblk_drv *b, uint16_t q, uint64_t sector, const void *src,
		   uint32_t nsect)
{
	const uint8_t *in = src;
	uint32_t per = b->max_data / SECTOR;

	if (!within(b, sector, nsect) || per == 0)
		return -1;
	while (nsect) {
		uint32_t n = nsect < per ? nsect : per;
		int st;

		if (gm_write(vdrv_mem(b->d), b->buf + HDR, in, (uint64_t)n * SECTOR) != 0)
			return -1;
		st = do_request(b, q, VIRTIO_BLK_T_OUT, sector, n * SECTOR, false, true);
		if (st != VIRTIO_BLK_S_OK)
			return st;
		in += (size_t)n * SECTOR;
		sector += n;
		nsect -= n;
	}
	return VIRTIO_BLK_S_OK;
}

int vblk_drv_flush(struct vblk_drv *b, uint16_t q)
{
	if (!has(b->features, VIRTIO_BLK_F_FLUSH))
		return -1;
	/* drivernormative: sector 0 and no data for FLUSH */
	return do_request(b, q, VIRTIO_BLK_T_FLUSH, 0, 0, false, false);
}

static int ranges(struct vblk_drv *b, uint16_t q, uint32_t type, unsigned feature,
		  const struct vblk_range *r, unsigned n, uint32_t flags, uint32_t max_seg,
		  uint32_t max_sectors)
{
	struct virtio_blk_discard_write_zeroes s;
	unsigned i;

	/* drivernormative: at most max_*_seg segments; unmap 0 on DISCARD */
	if (!has(b->features, feature) || n == 0 || n > max_seg || (uint64_t)n * SEG > b->max_data)
		return -1;
	for (i = 0; i < n; i++) {
		if (r[i].num_sectors > max_sectors || !within(b, r[i].sector, r[i].num_sectors))
			return -1;
		s = (struct virtio_blk_discard_write_zeroes){
			.sector = cpu_to_le64(r[i].sector),
			.num_sectors = cpu_to_le32(r[i].num_sectors),
			.flags = cpu_to_le32(flags),
		};
		if (gm_write(vdrv_mem(b->d), b->buf + HDR + (uint64_t)i * SEG, &s, SEG) != 0)
			return -1;
	}
	return do_request(b, q, type, 0, n * SEG, false, true);
}

int vblk_drv_discard(struct vblk_drv *b, uint16_t q, const struct vblk_range *r, unsigned n)
{
	return ranges(b, q, VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_F_DISCARD, r, n, 0,
		      b->info.max_discard_seg, b->info.max_discard_sectors);
}

int vblk_drv_write_zeroes(struct vblk_drv *b, uint16_t q, const struct vblk_range *r, unsigned n,
			  bool unmap)
{
	return ranges(b, q, VIRTIO_BLK_T_WRITE_ZEROES, VIRTIO_BLK_F_WRITE_ZEROES, r, n,
		      unmap ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0, b->info.max_write_zeroes_seg,
		      b->info.max_write_zeroes_sectors);
}

int vblk_drv_secure_erase(struct vblk_drv *b, uint16_t q, const struct vblk_range *r,
			  unsigned n)
{
	return ranges(b, q, VIRTIO_BLK_T_SECURE_ERASE, VIRTIO_BLK_F_SECURE_ERASE, r, n, 0,
		      b->info.max_secure_erase_seg, b->info.max_secure_erase_sectors);
}

int vblk_drv_get_id(struct vblk_drv *b, uint16_t q, char id[VIRTIO_BLK_ID_BYTES])
{
	uint8_t s[VIRTIO_BLK_ID_BYTES];
	bool nul = false;
	unsigned i;
	int st;

	/* drivernormative: the data of GET_ID is 20 bytes */
	st = do_request(b, q, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES, true, false);
	if (st != VIRTIO_BLK_S_OK)
		return st;
	if (gm_read(vdrv_mem(b->d), b->buf + HDR, s, sizeof(s)) != 0)
		return -1;
	/* 5.2.6: a NUL-padded ASCII string */
	for (i = 0; i < sizeof(s); i++) {
		if ((nul && s[i] != 0) || s[i] > 0x7f) {
			violation(b->d, CL_DEV_BLK_OP, q,
				  "GET_ID byte %u is 0x%02x: not a NUL-padded ASCII string", i, s[i]);
			return -1;
		}
		nul = nul || s[i] == 0;
	}
	memcpy(id, s, sizeof(s));
	return VIRTIO_BLK_S_OK;
}

int vblk_drv_get_lifetime(struct vblk_drv *b, uint16_t q, struct vblk_lifetime *lt)
{
	struct virtio_blk_lifetime raw;
	int st;

	if (!has(b->features, VIRTIO_BLK_F_LIFETIME))
		return -1;
	st = do_request(b, q, VIRTIO_BLK_T_GET_LIFETIME, 0, sizeof(raw), true, false);
	if (st != VIRTIO_BLK_S_OK)
		return st;
	if (gm_read(vdrv_mem(b->d), b->buf + HDR, &raw, sizeof(raw)) != 0)
		return -1;
	lt->pre_eol_info = le16_to_cpu(raw.pre_eol_info);
	lt->device_lifetime_est_typ_a = le16_to_cpu(raw.device_lifetime_est_typ_a);
	lt->device_lifetime_est_typ_b = le16_to_cpu(raw.device_lifetime_est_typ_b);
	/* devicenormative: Block Device / Device Operation -- no reserved
	 * lifetime values */
	if (lt->pre_eol_info > VIRTIO_BLK_PRE_EOL_INFO_URGENT ||
	    lt->device_lifetime_est_typ_a > VIRTIO_BLK_LIFETIME_EST_MAX ||
	    lt->device_lifetime_est_typ_b > VIRTIO_BLK_LIFETIME_EST_MAX) {
		violation(b->d, CL_DEV_BLK_OP, q,
			  "GET_LIFETIME reserved value: pre_eol_info %u, typ_a %u, typ_b %u",
			  lt->pre_eol_info, lt->device_lifetime_est_typ_a,
			  lt->device_lifetime_est_typ_b);
		return -1;
	}
	return VIRTIO_BLK_S_OK;
}

/* ---------------------------------------------------------------- raw */

/* The part [gpa, gpa + len) cut at cuts[] (ascending, <= len). */
static int raw_part(uint64_t gpa, uint32_t len, const uint32_t *cuts, unsigned n_cuts,
		    struct vq_buf *v, unsigned *n)
{
	uint32_t prev = 0;
	unsigned i;

	if (len == 0 && n_cuts == 0)
		return 0;
	if (n_cuts && !cuts)
		return -1;
	for (i = 0; i <= n_cuts; i++) {
		uint32_t end = i < n_cuts ? cuts[i] : len;

		if (end < prev || end > len || *n >= VBLK_MAX_DESC)
			return -1;
		v[(*n)++] = (struct vq_buf){ gpa + prev, end - prev };
		prev = end;
	}
	return 0;
}

int vblk_drv_submit_raw(struct vblk_drv *b, const struct vblk_raw *r, void *in,
			struct vblk_raw_result *res)
{
	uint8_t fill[256];
	struct vq_buf out[VBLK_MAX_DESC], inb[VBLK_MAX_DESC];
	unsigned n_out = 0, n_in = 0;
	gm_view_t *mem = vdrv_mem(b->d);
	uint64_t in_gpa, off;
	int rc;

	memset(fill, 0xff, sizeof(fill));
	res->used_len = 0;
	res->status = 0xff;
	if (r->out_len > b->buf_size || r->in_len > b->buf_size - r->out_len ||
	    (r->out_len && !r->out))
		return -1;
	in_gpa = b->buf + r->out_len;
	if (r->out_len && gm_write(mem, b->buf, r->out, r->out_len) != 0)
		return -1;
	for (off = 0; off < r->in_len; off += sizeof(fill)) {
		uint64_t n = r->in_len - off < sizeof(fill) ? r->in_len - off : sizeof(fill);

		if (gm_write(mem, in_gpa + off, fill, n) != 0)
			return -1;
	}
	if (raw_part(b->buf, r->out_len, r->out_cuts, r->n_out_cuts, out, &n_out) != 0 ||
	    raw_part(in_gpa, r->in_len, r->in_cuts, r->n_in_cuts, inb, &n_in) != 0)
		return -1;
	rc = post_wait(b, r->queue, out, n_out, inb, n_in, r->indirect, &res->used_len);
	if (rc != 1)
		return rc;
	if (r->in_len && gm_read(mem, in_gpa + r->in_len - 1, &res->status, 1) != 0)
		return -1;
	if (in && r->in_len && gm_read(mem, in_gpa, in, r->in_len) != 0)
		return -1;
	return 1;
}
