// SPDX-License-Identifier: Apache-2.0
#include <string.h>

#include "vc_pair.h"

const struct gm_region_spec vc_pair_default_regions[3] = {
	{ 0x00010000ull, 0x00400000ull },  /* 4 MiB at 64 KiB */
	{ 0x01000000ull, 0x00400000ull },  /* 4 MiB at 16 MiB */
	{ 0x100000000ull, 0x00200000ull }, /* 2 MiB at 4 GiB */
};

/* ------------------------------------------------------------------ PCI */

static uint32_t t_cfg_read(void *ctx, uint32_t off, unsigned width)
{
	return vpci_cfg_read(((struct vc_pair *)ctx)->dev, off, width);
}

static void t_cfg_write(void *ctx, uint32_t off, unsigned width, uint32_t val)
{
	vpci_cfg_write(((struct vc_pair *)ctx)->dev, off, width, val);
}

static uint64_t t_bar_read(void *ctx, uint8_t bar, uint64_t off, unsigned width)
{
	return bar == 0 ? vpci_bar_read(((struct vc_pair *)ctx)->dev, off, width) : ~0ull;
}

static void t_bar_write(void *ctx, uint8_t bar, uint64_t off, unsigned width, uint64_t val)
{
	if (bar == 0)
		vpci_bar_write(((struct vc_pair *)ctx)->dev, off, width, val);
}

static void irq_to_driver(void *ctx, uint16_t vector)
{
	struct vc_pair *p = ctx;

	if (p->drv)
		vdrv_interrupt(p->drv, vector);
}

/* ----------------------------------------------------------------- MMIO */

static uint64_t t_mmio_read(void *ctx, uint64_t off, unsigned width)
{
	return vmmio_read(((struct vc_pair *)ctx)->mmio, off, width);
}

static void t_mmio_write(void *ctx, uint64_t off, unsigned width, uint64_t val)
{
	vmmio_write(((struct vc_pair *)ctx)->mmio, off, width, val);
}

static void line_to_driver(void *ctx)
{
	struct vc_pair *p = ctx;

	if (p->drv)
		vdrv_interrupt(p->drv, VC_IRQ_INTX);
}

/* -------------------------------------------------------------- opening */

int vc_pair_open_opts(struct vc_pair *p, const struct vc_device_ops *ops, const char *args,
		      const struct vc_pair_opts *opts)
{
	const struct gm_region_spec *regions = opts ? opts->regions : NULL;
	unsigned n_regions = opts ? opts->n_regions : 0;
	const struct vdev_params *params = opts ? opts->params : NULL;

	memset(p, 0, sizeof(*p));
	p->transport = opts ? opts->transport : VC_TRANSPORT_PCI;
	if (p->transport != VC_TRANSPORT_PCI && p->transport != VC_TRANSPORT_MMIO)
		return -1;
	if (!regions) {
		regions = vc_pair_default_regions;
		n_regions = 3;
	}
	p->gm = gm_create(regions, n_regions);
	if (!p->gm)
		return -1;
	p->drv_mem = gm_view_map(p->gm, "driver");
	p->dev_mem = gm_view_map(p->gm, "device");
	if (!p->drv_mem || !p->dev_mem)
		goto fail;
	if (p->transport == VC_TRANSPORT_PCI) {
		struct vdrv_transport t = {
			.ctx = p,
			.cfg_read = t_cfg_read,
			.cfg_write = t_cfg_write,
			.bar_read = t_bar_read,
			.bar_write = t_bar_write,
		};

		p->dev = vpci_new(p->dev_mem, ops, args, params, irq_to_driver, p);
		if (!p->dev)
			goto fail;
		p->core = vpci_core(p->dev);
		p->drv = vdrv_new(p->gm, p->drv_mem, &t);
	} else {
		struct vdrv_mmio_transport t = {
			.ctx = p,
			.read = t_mmio_read,
			.write = t_mmio_write,
		};

		p->mmio = vmmio_new(p->dev_mem, ops, args, params, line_to_driver, p);
		if (!p->mmio)
			goto fail;
		p->core = vmmio_core(p->mmio);
		t.size = vmmio_size(p->mmio);
		p->drv = vdrv_new_mmio(p->gm, p->drv_mem, &t);
	}
	if (!p->drv)
		goto fail;
	return 0;
fail:
	vc_pair_close(p);
	return -1;
}

int vc_pair_open(struct vc_pair *p, const struct vc_device_ops *ops, const char *args,
		 const struct vpci_params *params, const struct gm_region_spec *regions,
		 unsigned n_regions)
{
	struct vc_pair_opts o = {
		.transport = VC_TRANSPORT_PCI,
		.params = params,
		.regions = regions,
		.n_regions = n_regions,
	};

	return vc_pair_open_opts(p, ops, args, &o);
}

int vc_pair_open_mmio(struct vc_pair *p, const struct vc_device_ops *ops, const char *args,
		      const struct vdev_params *params, const struct gm_region_spec *regions,
		      unsigned n_regions)
{
	struct vc_pair_opts o = {
		.transport = VC_TRANSPORT_MMIO,
		.params = params,
		.regions = regions,
		.n_regions = n_regions,
	};

	return vc_pair_open_opts(p, ops, args, &o);
}

void vc_pair_close(struct vc_pair *p)
{
	vdrv_free(p->drv);
	vpci_free(p->dev);
	vmmio_free(p->mmio);
	gm_view_unmap(p->drv_mem);
	gm_view_unmap(p->dev_mem);
	gm_destroy(p->gm);
	memset(p, 0, sizeof(*p));
}
