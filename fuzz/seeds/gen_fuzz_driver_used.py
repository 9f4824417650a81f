#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic seeds for fuzz/fuzz_driver_used.c (a hostile device facing
vq_drv_*). Writes corpus/fuzz_driver_used/<name>. The encoding mirrors the
decoder in fuzz_driver_used.c; the cases follow tests/check_vq_drv.c.

Usage: gen_fuzz_driver_used.py [OUTDIR]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "corpus", "fuzz_driver_used")

# first byte value of each operation in op_map[32]
ADD, KICK, GET, PUT, PUBLISH, COMPLETE, COMPLETE_ALL, IDX = 0, 4, 7, 11, 13, 14, 17, 18
DESC, IND, UFLAGS, AEVENT, SCRIBBLE, INTR, BULK, DRAIN, RESETUP = 20, 22, 24, 25, 26, 27, 28, 29, 31


def header(size_log2=4, event_idx=False, indirect=True, warm=None, ind_max=4, layout=0):
    b1 = (1 if event_idx else 0) | (2 if indirect else 0)
    if warm:                        # warm-up: 0xfffd chains first (the indices wrap)
        b1 |= 0xfc
    return bytes([size_log2, b1, ind_max, layout])


def lenb(n):
    """length byte for a buffer of about n bytes (b * 4 + (b & 3))"""
    specials = {0xffffffff: 0xff, 0xfffffffe: 0xfe, 0x80000000: 0xfd, 0x7fffffff: 0xfc,
                0x10000: 0xfb, 0xffff: 0xfa, 1: 0xf9}
    if n in specials:
        return specials[n]
    return min(n // 4, 0xf7)


def add(n_out, n_in, indirect=False, lens=None):
    s = n_out | (n_in << 3) | (0x40 if indirect else 0)
    lens = lens or [64] * (n_out + n_in)
    return bytes([ADD, s] + [lenb(x) for x in lens])


def put(sel, k=0, lsel=0, raw_id=None, raw_len=None):
    b = bytes([PUT, sel, k])
    if sel % 8 == 7:
        b += struct.pack("<H", raw_id or 0)
    b += bytes([lsel])
    if lsel % 8 == 6:
        b += struct.pack("<I", raw_len or 0)
    return b


def complete(k=0, lsel=0):
    return bytes([COMPLETE, k, lsel])


def idx(mode, arg=0, raw=None):
    b = bytes([IDX, mode, arg])
    if mode % 8 == 5:
        b += bytes([(raw or 0) >> 8])
    return b


def rewrite(field, vmode, bit=0, raw=None):
    b = bytes([field, vmode, bit])
    if vmode % 4 == 2:
        b += struct.pack(["<Q", "<I", "<H", "<H"][field % 4], raw or 0)
    return b


def desc(mode, k, field, vmode, bit=0, raw=None):
    return bytes([DESC, mode, k]) + rewrite(field, vmode, bit, raw)


def ind(mode, k, e, field, vmode, bit=0, raw=None):
    return bytes([IND, mode, k, e]) + rewrite(field, vmode, bit, raw)


def uflags(sel, raw=None):
    return bytes([UFLAGS, sel]) + (struct.pack("<H", raw or 0) if sel % 8 == 7 else b"")


def aevent(delta):
    return bytes([AEVENT, (delta + 64) & 0x7f])


def bulk(n, length=32, indirect=False):
    return bytes([BULK, (n & 0x7f) | (0x80 if indirect else 0), length - 1])


OPK, OPG, OPD = bytes([KICK]), bytes([GET]), bytes([DRAIN])

# the three chains every hostile case starts from (check_vq_drv.c post_mixed):
# A direct out 64 | in 100 + 28; B direct out 16; C indirect out 32 | in 48 + 16
MIXED = add(1, 2, False, [64, 100, 28]) + add(1, 0, False, [16]) + add(1, 2, True, [32, 48, 16]) + OPK

seeds = {
    "legit_roundtrip": header() + MIXED + complete(0) + complete(0) + complete(0) + OPD,
    "legit_out_of_order": header() + MIXED + complete(2) + OPG + complete(0, 1) + OPG + complete(0, 2) + OPD,
    "legit_complete_all_rev": header(5) + MIXED + bytes([COMPLETE_ALL, 1]) + OPD + MIXED + bytes([COMPLETE_ALL, 2]) + OPD,
    "id_ge_size": header() + MIXED + put(6, 0) + idx(0) + OPG,
    "id_all_ones": header() + MIXED + put(6, 2) + idx(0) + OPG,
    "id_high_bits": header() + MIXED + put(6, 5) + idx(0) + OPG,
    "id_nonhead_member": header() + MIXED + put(5, 0) + idx(0) + OPG,
    "id_free_desc": header() + MIXED + put(4, 9) + idx(0) + OPG,
    "id_twice": header() + MIXED + complete(0) + OPG + put(0, 0) + put(0, 0) + idx(0) + OPD,
    "id_unpublished": header() + MIXED + add(0, 1) + put(3, 0) + idx(0) + OPG,
    "len_gt_writable": header() + MIXED + put(0, 0, 3) + idx(0) + OPG,
    "len_readonly": header() + MIXED + put(0, 1, 7) + idx(0) + OPG,
    "len_all_ones": header() + MIXED + put(0, 0, 5) + idx(0) + OPG,
    "len_indirect_plus1": header() + MIXED + put(0, 2, 3) + idx(0) + OPG,
    "idx_past_outstanding": header() + MIXED + put(0, 0) + put(0, 1) + put(0, 2) + put(0, 0) + idx(6) + idx(1, 3) + OPD,
    "idx_jump_8000": header() + MIXED + put(0, 0) + idx(2) + OPG,
    "idx_backwards": header() + MIXED + complete(1) + OPG + idx(3) + OPG,
    "desc_addr": header() + MIXED + desc(0, 0, 0, 1, 12) + complete(0) + OPD,
    "desc_len": header() + MIXED + desc(0, 0, 1, 1, 0) + complete(0) + OPD,
    "desc_flags": header() + MIXED + desc(0, 0, 2, 1, 1) + complete(0) + OPD,
    "desc_next": header() + MIXED + desc(0, 0, 3, 2, 0, 15) + complete(0) + OPD,
    "desc_same_value": header() + MIXED + desc(3, 0, 0, 0) + desc(0, 0, 1, 0) + complete(0) + OPD,
    "desc_middle": header() + MIXED + desc(3, 0, 0, 1, 6) + complete(0) + OPD,
    "indirect_entry": header() + MIXED + ind(0, 0, 1, 1, 1, 12) + complete(2) + OPD,
    "indirect_head": header() + MIXED + desc(0, 2, 2, 3) + complete(2) + OPD,
    "indirect_unused_slot": header() + MIXED + ind(1, 7, 3, 0, 2, 0, 0xdead) + complete(0) + complete(0) + complete(0) + OPD,
    "full_queue": header(3) + bulk(8) + add(1, 0) + OPK + bytes([COMPLETE_ALL, 0]) + OPD + bulk(8, 8, True) + OPK + bytes([COMPLETE_ALL, 1]) + OPD,
    "full_then_id_ge_size": header(3) + bulk(8) + OPK + put(6, 0) + idx(0) + OPG,
    "scribble_after_completion": header() + MIXED + bytes([COMPLETE_ALL, 0]) + OPD + bytes([SCRIBBLE, 0x7, 0xff]) + MIXED + bytes([COMPLETE_ALL, 0]) + OPD,
    "scribble_used_ring": header() + MIXED + bytes([SCRIBBLE, 0x8, 0x00]) + idx(0) + OPG,
    "used_flags_no_evt": header() + uflags(2) + add(0, 1) + OPK + uflags(1) + add(0, 1) + OPK + uflags(5) + add(0, 1) + OPK + OPD,
    "used_flags_evt": header(4, True) + uflags(1) + add(0, 1) + OPK + uflags(0) + add(0, 1) + OPK,
    "avail_event": header(4, True) + aevent(0) + add(0, 1) + OPK + aevent(5) + add(0, 1) + add(0, 1) + OPK + aevent(-3) + add(0, 1) + OPK,
    "interrupt_toggle_no_evt": header() + bytes([INTR, 0]) + MIXED + complete(0) + OPG + bytes([INTR, 1]) + OPD,
    "interrupt_toggle_evt": header(4, True) + bytes([INTR, 0]) + MIXED + complete(0) + OPG + bytes([INTR, 1]) + complete(0) + OPD,
    "wrap_id_twice": header(4, False, True, warm=True) + MIXED + complete(0) + OPG + put(0, 0) + put(0, 0) + idx(0) + OPD,
    "wrap_backwards": header(4, False, True, warm=True) + MIXED + complete(1) + OPG + idx(3) + OPG,
    "size1": header(0) + add(0, 1) + OPK + complete(0) + OPG + add(1, 1) + add(0, 1, True) + OPK,
    "size256_bulk": header(8, True, True, ind_max=8, layout=3) + bulk(127) + OPK + bytes([COMPLETE_ALL, 0]) + OPD,
    "over_4gib": header() + add(2, 1, False, [0xffffffff, 0xffffffff, 2]) + add(1, 1, False, [0x80000000, 0x80000000]) + OPK,
    "indirect_not_negotiated": header(4, False, False) + add(1, 2, True) + add(1, 1) + OPK + complete(0) + OPD,
    "indirect_over_max": header(4, False, True, ind_max=2) + add(2, 2, True) + add(1, 1, True) + OPK + complete(0) + OPD,
    "layout1": header(6, True, True, ind_max=3, layout=1) + MIXED + bytes([COMPLETE_ALL, 0]) + OPD,
    "layout2": header(7, False, True, ind_max=8, layout=2) + MIXED + bytes([COMPLETE_ALL, 0]) + OPD,
    # set the live queue up again (no pool -> a pool, another size and layout)
    "resetup_live": header(4, False, True, ind_max=0) + MIXED + complete(0) + bytes([RESETUP, 5, 3, 4, 1]) + MIXED + bytes([COMPLETE_ALL, 0]) + OPD,
    "resetup_invalid": header() + MIXED + bytes([RESETUP, 4, 2, 4, 0xf4]),
    "setup_misaligned_desc": header(layout=0xf0),
    "setup_used_outside": header(layout=0xf3),
    "setup_bad_size": header(size_log2=10),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
