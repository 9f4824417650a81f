#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic seeds for fuzz/fuzz_packed_driver.c (a hostile device facing
vq_drv_* with cfg.packed). Writes corpus/fuzz_packed_driver/<name>. The
encoding mirrors the input format at the top of fuzz_packed_driver.c.

Usage: gen_packed_driver.py [OUTDIR]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "corpus",
                                                          "fuzz_packed_driver")

EVENT_IDX, INDIRECT, IN_ORDER = 1, 2, 4
# used lmode: len = writable, some, writable + 1, raw without WRITE; no WRITE; other wrap
L_ALL, L_SOME, L_OVER, L_RAW, L_NOWRITE, L_WRAP = 0, 1, 2, 3, 0x40, 0x80


def u16(v):
    return struct.pack("<H", v & 0xffff)


def header(size=8, feat=0, ind_max=4):
    if 1 <= size <= 32:
        b = bytes([size - 1])
    elif 1 <= size <= 512:
        b = bytes([0xc0]) + u16(size - 1)
    elif 1 <= size <= 32768:
        b = bytes([0xf0]) + u16(size - 1)
    else:
        b = bytes([0xff]) + u16(size)
    return b + bytes([feat, ind_max])


def add(n_out=1, n_in=1, indirect=False, lens=None, more=False):
    shape = n_out | (n_in << 2) | (16 if indirect else 0) | (64 if more else 0)
    if lens is not None:
        shape |= 32
    b = bytes([0, shape])
    if lens is not None:
        b += bytes(lens)
    return b


KICK = bytes([3])
GET = bytes([4])
DRAIN = bytes([6])


def used(sel=0, lmode=L_ALL):
    return bytes([7, sel, lmode])


def rawused(slotsel, idsel, fsel, length):
    return bytes([9, slotsel, idsel, fsel]) + struct.pack("<I", length)


def rewrite(slotsel, field, val):
    return bytes([10, slotsel, field]) + u16(val)


def retable(sel, k, val):
    return bytes([11, sel, k]) + u16(val)


def devevt(mode, arg=0):
    return bytes([12, mode]) + u16(arg)


def intr(on):
    return bytes([13, 1 if on else 0])


def quick(lmode=L_ALL):
    return bytes([14, lmode])


def cycle(shape=0x05, lmode=L_ALL):
    return bytes([15, shape, lmode])


SEEDS = {}

# legitimate traffic over several laps
SEEDS["quick_laps"] = header(5) + quick() * 12
SEEDS["cycle_laps_size3"] = header(3) + cycle(0x09) * 8
SEEDS["cycle_indirect"] = header(4, INDIRECT, 4) + (cycle(0x1a) + cycle(0x05)) * 5
SEEDS["out_of_order"] = header(8) + add() + add(2, 1) + add(0, 2) + KICK + used(2) + used(1) + used(0) + DRAIN + quick() * 6
SEEDS["partial_len"] = header(8) + add(1, 2) + KICK + used(0, L_SOME | (5 << 2)) + GET + add(1, 1) + KICK + used(0, L_NOWRITE) + GET
SEEDS["len_without_write"] = header(8) + add(1, 1) + KICK + used(0, L_RAW) + GET
SEEDS["kick_batches"] = header(16) + add() * 3 + KICK + add(2, 2) * 2 + KICK + cycle() * 4
SEEDS["size1"] = header(1) + quick() * 3 + add(1, 1) + add(1, 1) + KICK + cycle()
SEEDS["unpublished_not_reaped"] = header(8) + add() + KICK + add() + used(0) + GET + GET + KICK + used(0) + DRAIN
SEEDS["full_ring"] = header(4) + add(1, 1) * 2 + add(1, 0) + KICK + used(0) + used(0) + used(0) + DRAIN + quick() * 5
SEEDS["lens_and_huge"] = header(8) + add(1, 1, lens=[10, 20]) + add(2, 2, lens=[0xff, 0xff, 0xff, 1]) + add(0, 1, lens=[0]) + KICK + cycle()
SEEDS["long_chain"] = header(12) + add(3, 3, more=True) + KICK + used(0) + GET + add(3, 3, indirect=True, more=True)

# in order: one used descriptor for a run of buffers
SEEDS["in_order_batch"] = header(8, IN_ORDER) + add() * 4 + KICK + used(3) + DRAIN + cycle() * 3
SEEDS["in_order_batch_partial"] = header(8, IN_ORDER) + add() * 3 + KICK + used(5, L_SOME | 8) + GET + GET + GET + quick()
SEEDS["in_order_twice"] = header(8, IN_ORDER) + add() * 2 + KICK + used(0) + DRAIN + rawused(1, 2, 0, 64) + rawused(0, 2, 0, 64) + GET
SEEDS["in_order_indirect"] = header(6, IN_ORDER | INDIRECT, 8) + (cycle(0x1b) + cycle(0x06)) * 4

# hostile used descriptors
SEEDS["used_len_over"] = header(8) + add() + KICK + used(0, L_OVER) + GET + GET + add() + KICK
SEEDS["used_wrong_wrap"] = header(8) + add() + KICK + used(0, L_WRAP) + GET
SEEDS["used_id_out_of_range"] = header(8) + add() + KICK + rawused(0, 1, 0, 0) + GET
SEEDS["used_id_not_outstanding"] = header(8) + add() * 2 + KICK + used(0) + GET + rawused(0, 2, 0, 8) + GET
SEEDS["used_unpublished"] = header(8) + add() + KICK + add() + rawused(0, 2 | (1 << 2), 0, 0) + GET
SEEDS["used_nothing_out"] = header(8) + rawused(0, 2, 0, 0) + GET
SEEDS["used_nothing_out_after"] = header(8) + quick() + rawused(0, 2, 0, 0) + GET
SEEDS["garbage_flags"] = header(8) + add() + KICK + rawused(0, 0, 4, 0) + GET
SEEDS["garbage_flags_avail_only"] = header(8) + add() + KICK + rawused(0, 0, 5, 0) + GET
SEEDS["raw_flags_high"] = header(8) + add() + KICK + rawused(0, 0, 0x87, 0) + GET
SEEDS["rewrite_avail"] = header(8) + add(2, 2) + KICK + rewrite(0, 2, 0x8080) + GET + rewrite(0, 0, 7) + GET
SEEDS["rewrite_table"] = header(8, INDIRECT, 4) + add(2, 1, True) + KICK + retable(0, 0x11, 0xffff) + used(0) + GET
SEEDS["rewrite_table_unchanged"] = header(8, INDIRECT, 4) + add(2, 1, True) + KICK + retable(0, 0x11, 0) + used(0) + GET
SEEDS["broken_then_all_fail"] = header(8) + add() + KICK + used(0, L_OVER) + GET + add() + KICK + used(0) + DRAIN

# notifications
SEEDS["dev_evt_disable"] = header(8) + devevt(1) + add() + KICK + cycle()
SEEDS["dev_evt_desc"] = header(8, EVENT_IDX) + devevt(2) + add() + KICK + devevt(2 | 8, 3) + add() * 3 + KICK + cycle() * 3
SEEDS["dev_evt_desc_raw"] = header(5, EVENT_IDX) + devevt(2 | 4, 0x8002) + cycle() * 5 + devevt(2 | 12) + cycle()
SEEDS["dev_evt_desc_no_idx"] = header(8) + devevt(2) + cycle()
SEEDS["dev_evt_reserved"] = header(8, EVENT_IDX) + devevt(3, 7) + cycle()
SEEDS["intr_off_on"] = header(8, EVENT_IDX) + intr(False) + cycle() + intr(True) + cycle() * 3
SEEDS["intr_no_idx"] = header(8) + intr(False) + cycle() + intr(True) + cycle()

# sizes
SEEDS["size_300"] = header(300, EVENT_IDX | INDIRECT, 8) + cycle(0x0f) * 3
SEEDS["size_32768"] = header(32768, EVENT_IDX, 0) + quick() * 2
SEEDS["size_zero"] = header(0) + quick()
SEEDS["size_32769"] = header(32769) + quick()


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), OUT))


if __name__ == "__main__":
    main()
