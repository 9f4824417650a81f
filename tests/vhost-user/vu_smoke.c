// SPDX-License-Identifier: Apache-2.0
/*
 * vu_smoke TARGET [SPAWN]: open a vhost-user target (as `--target` and
 * `--spawn` name it), build a device/driver pair on its proxy device and
 * drive a blk back-end with the reference blk driver: read sector 7, GET_ID,
 * write and read back sector 100, reset, initialize again and read again.
 * Prints each step; exit 0 when every step worked, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk_drv.h"
#include "target.h"
#include "vc_pair.h"
#include "virtiocheck/virtio.h"

static int init_blk(struct vc_pair *p, struct vblk_drv *b)
{
	struct vdrv_config cfg;

	if (vdrv_probe(p->drv, VIRTIO_ID_BLOCK)) {
		printf("probe failed\n");
		return -1;
	}
	/* not SIZE_MAX: qemu-storage-daemon 7.2 offers it with size_max 0,
	 * which the reference driver refuses */
	vblk_drv_config(&cfg, ~(1ull << 1));
	if (vdrv_init(p->drv, &cfg)) {
		printf("vdrv_init failed, status 0x%02x\n", vdrv_status(p->drv));
		return -1;
	}
	if (vblk_drv_attach(b, p->drv)) {
		printf("attach failed\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct vc_target t;
	static struct vc_pair p;
	static struct vblk_drv b;
	const struct vc_findings *f;
	uint8_t buf[512], back[512];
	char id[VIRTIO_BLK_ID_BYTES + 1] = { 0 };
	char err[512];
	int rc = 1;
	unsigned i;

	if (argc < 2 || strncmp(argv[1], "vhost-user", 10)) {
		fprintf(stderr, "usage: vu_smoke vhost-user[:SOCKET][,key=value...] [SPAWN]\n");
		return 2;
	}
	if (vc_target_open_vhost_user(&t, argv[1] + 10, argc > 2 ? argv[2] : NULL, err,
				      sizeof(err))) {
		printf("open: %s\n", err);
		return 1;
	}
	printf("target %s: id %u, %u queues of <= %u, config %u bytes\nargs %s\n", t.ops->name,
	       t.ops->device_id, t.ops->num_queues, t.ops->queue_size_max, t.ops->config_size,
	       t.args);
	if (vc_pair_open(&p, t.ops, t.args, NULL, NULL, 0)) {
		printf("pair: cannot open\n");
		goto out_t;
	}
	printf("offered 0x%llx\n", (unsigned long long)vdev_offered_features(p.core));
	if (init_blk(&p, &b))
		goto out;
	printf("negotiated 0x%llx\n", (unsigned long long)vdev_negotiated_features(p.core));
	if (vblk_drv_read(&b, 0, 7, buf, 1)) {
		printf("read sector 7 failed\n");
		goto out;
	}
	printf("read sector 7: %02x %02x %02x %02x\n", buf[0], buf[1], buf[2], buf[3]);
	if (vblk_drv_get_id(&b, 0, id))
		printf("GET_ID failed\n");
	else
		printf("GET_ID: \"%s\"\n", id);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	if (vblk_drv_write(&b, 0, 100, buf, 1) || vblk_drv_read(&b, 0, 100, back, 1) ||
	    memcmp(buf, back, sizeof(buf))) {
		printf("write/read back of sector 100 failed\n");
		goto out;
	}
	printf("write + read back sector 100: ok\n");
	vdrv_reset(p.drv);
	if (init_blk(&p, &b) || vblk_drv_read(&b, 0, 100, back, 1) ||
	    memcmp(buf, back, sizeof(buf))) {
		printf("after reset: read back failed\n");
		goto out;
	}
	printf("after reset + init: read back ok\n");
	rc = 0;
out:
	f = vdev_findings(p.core);
	for (i = 0; i < f->count; i++)
		printf("device finding: %s: %s\n", f->v[i].clause, f->v[i].msg);
	f = vdrv_findings(p.drv);
	for (i = 0; i < f->count; i++)
		printf("driver finding: %s: %s\n", f->v[i].clause, f->v[i].msg);
	vc_pair_close(&p);
out_t:
	if (t.release)
		t.release(&t);
	printf("%s\n", rc ? "FAILED" : "OK");
	return rc;
}
