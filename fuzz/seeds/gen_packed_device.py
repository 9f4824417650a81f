#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic seeds for fuzz/fuzz_packed_device.c (a hostile driver's
packed ring facing vq_dev_* with cfg.packed). Writes
corpus/fuzz_packed_device/<name>. The encoding mirrors the input format in
the comment at the top of fuzz_packed_device.c.

Usage: gen_packed_device.py [OUTDIR]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "corpus",
                                                          "fuzz_packed_device")

EVENT_IDX, INDIRECT, IN_ORDER, NOTIFY_OFF, PLACE, RAWPLACE, QINDEX = 1, 2, 4, 8, 16, 32, 64
# act bits
A_NONE, A_ALL, A_ALL_1, A_SOME, A_KEEP, A_FLUSH, A_READ, A_SPLIT = 0, 1, 2, 3, 4, 8, 16, 32


def u16(v):
    return struct.pack("<H", v & 0xffff)


def header(size=8, feat=0, qindex=None, place=None):
    if 1 <= size <= 32:
        b = bytes([size - 1])
    elif size == 32768:
        b = bytes([0xfe])
    elif 1 <= size <= 512:
        b = bytes([0xc0]) + u16(size - 1)
    elif size <= 32768 and size >= 1:
        b = bytes([0xf0]) + u16(size - 1)
    else:                                   # raw: 0 or above 32768
        b = bytes([0xff]) + u16(size)
    if qindex is not None:
        feat |= QINDEX
    if place is not None and not feat & RAWPLACE:
        feat |= PLACE
    b += bytes([feat])
    if qindex is not None:
        b += bytes([qindex])
    if place is not None:
        for rsel, off in place:
            b += bytes([rsel]) + u16(off)
    return b


def seg(kind=0, region=0, v=0, lenk=1, raw=None):
    """kind 0 valid ((lenk + 1) * 32 bytes), 4 len 0, 5 alias, 6 across a
    region end, 7 wrapping 2^64 / raw (addr, len)"""
    if raw is not None:
        return bytes([7 | 8]) + struct.pack("<QI", raw[0], raw[1])
    return bytes([kind | (region << 3) | (lenk << 5), v])


def add(n_out=1, n_in=1, indirect=False, corrupt=None, segs=None, raw_id=None):
    shape = n_out | (n_in << 3) | (0x40 if indirect else 0) | (0x80 if corrupt is not None else 0)
    b = bytes([0, shape])
    if corrupt is not None:
        b += bytes([corrupt])
    if segs is None:
        segs = [seg(0, k % 4, 16 * k + 3, 1) for k in range(n_out + n_in)]
    b += b"".join(segs)
    if corrupt is not None and corrupt & 15 == 8:
        b += u16(raw_id or 0)
    return b


def rawdesc(slot, fsel, id_, s):
    return bytes([4]) + u16(slot) + bytes([fsel]) + u16(id_) + s


def rawflag(slot, flags):
    return bytes([5]) + u16(slot) + u16(flags)


def drvevt(mode, arg=0):
    return bytes([6, mode]) + u16(arg)


def pop1(act=A_ALL, v=0):
    """act, v are read only when the pop returns an element"""
    return bytes([7, act, v])


def pop1_empty():
    return bytes([7])


def popall(acts, cap=0):
    """one (act, v) per element returned; cap 0: until empty"""
    return bytes([8, cap]) + b"".join(bytes([a, v]) for a, v in acts)


def push(sel):
    return bytes([10, sel])


FLUSH = bytes([11])


def cycle(act=A_ALL, v=0):
    return bytes([12, act, v])


def bogus(kind, val=0):
    return bytes([13, kind]) + u16(val)


def notify(on):
    return bytes([14, 1 if on else 0])


def rawtab(t, k, fsel, s):
    return bytes([15, t, k, fsel]) + s


SEEDS = {}

# well-formed traffic over several laps: both wrap counters flip
SEEDS["laps_size5"] = header(5) + (add(1, 1) + cycle()) * 8
SEEDS["laps_size3_long"] = header(3) + (add(1, 2) + cycle(A_SOME, 77)) * 5
SEEDS["laps_size1"] = header(1) + (add(1, 0) + cycle(A_NONE)) * 3 + add(0, 1) + cycle()
SEEDS["laps_non_pow2_24"] = header(24) + (add(2, 2) + add(1, 0) + add(0, 3) + cycle(A_ALL | A_READ, 9)) * 4
SEEDS["batch_then_flush"] = header(8) + add(1, 1) * 4 + popall([(A_ALL | A_KEEP, 0)] * 4) + push(0x80) + FLUSH + (add(1, 1) * 3 + cycle()) * 2
SEEDS["reverse_push"] = header(8) + add(1, 1) * 3 + popall([(A_SOME | A_KEEP, 5)] * 3) + push(0x81) + FLUSH + add(2, 1) + cycle()
SEEDS["carry_outstanding"] = header(6) + add(1, 1) * 2 + popall([(A_ALL | A_KEEP, 0), (A_ALL, 0)]) + FLUSH + add(1, 1) * 2 + pop1() + push(0x80) + FLUSH + add(1, 1) * 3 + cycle()
SEEDS["split_write_read"] = header(4) + add(2, 3) + pop1(A_ALL | A_SPLIT | A_READ | A_FLUSH, 33) + add(1, 1) + cycle(A_ALL_1 | A_SPLIT, 5)

# indirect
SEEDS["indirect_laps"] = header(4, INDIRECT) + (add(2, 2, True) + add(1, 0) + cycle()) * 5
SEEDS["indirect_size1"] = header(1, INDIRECT) + (add(3, 4, True) + cycle(A_SOME, 200)) * 3
SEEDS["indirect_not_negotiated"] = header(8) + add(1, 1, True) + cycle()

# every corruption of ADD, direct and indirect
for c in range(16):
    ind = c in (10, 11, 12, 13, 14)
    feat = INDIRECT if ind else 0
    body = add(1, 1) + cycle() if c in (7, 9) else b""
    if c == 7:
        body = add(1, 1) + popall([(A_ALL | A_KEEP, 0)])
    if c == 9:
        body = add(2, 2) + popall([(A_ALL | A_KEEP, 0)])
    SEEDS["corrupt_%02d" % c] = header(4 if c == 9 else 8, feat) + body + add(2, 2, ind, corrupt=c | 0x10, raw_id=3) + cycle()

# segment kinds: len 0, aliases, across a region end, wrapping 2^64, raw
SEEDS["seg_zero_len"] = header(8) + add(2, 2, segs=[seg(4, 0, 1), seg(0, 1, 2), seg(4, 2, 3), seg(0, 3, 4)]) + cycle()
SEEDS["seg_hole"] = header(8) + add(1, 1, segs=[seg(5, 1, 9), seg(0, 0, 1)]) + cycle()
SEEDS["seg_alias_ring"] = header(8) + add(0, 2, segs=[seg(5, 2, 3, 2), seg(0, 0, 1)]) + cycle() + add(1, 1) + cycle()
SEEDS["seg_alias_drv_event"] = header(8, EVENT_IDX) + add(0, 1, segs=[seg(5, 3, 0)]) + cycle()
SEEDS["seg_region_end"] = header(8) + add(1, 0, segs=[seg(6, 0, 63)]) + cycle() + add(1, 0, segs=[seg(6, 1, 0)]) + cycle()
SEEDS["seg_wrap_2_64"] = header(8) + add(1, 0, segs=[seg(7, 0, 5)]) + cycle()
SEEDS["seg_raw_4gib"] = header(8) + add(1, 1, segs=[seg(raw=(0x100000000, 0x100)), seg(raw=(0x10000 + 0xfff0, 0x20))]) + cycle()

# raw ring state
SEEDS["raw_used_looking"] = header(8) + rawflag(0, 0x8080) + pop1()
SEEDS["raw_next_into_empty"] = header(8) + rawdesc(0, 0x01, 5, seg(0, 0, 1)) + pop1()
SEEDS["raw_write_then_read"] = header(8) + rawdesc(0, 0x03, 5, seg(0, 0, 1)) + rawdesc(1, 0x00, 5, seg(0, 1, 1)) + pop1()
SEEDS["raw_table"] = header(8, INDIRECT) + rawtab(0, 0, 2, seg(0, 0, 1)) + rawtab(0, 1, 4, seg(0, 1, 1)) + \
    rawdesc(0, 0x04, 9, seg(raw=(0x21000, 32))) + pop1()
SEEDS["raw_other_wrap"] = header(4) + rawdesc(2, 0x88, 1, seg(0, 0, 1)) + (add(1, 0) + cycle()) * 3

# notifications
SEEDS["evt_disable"] = header(8) + drvevt(1) + (add(1, 1) + cycle()) * 3
SEEDS["evt_desc_idx"] = header(5, EVENT_IDX) + drvevt(2) + add(1, 1) + cycle() + drvevt(2 | 8, 1) + (add(1, 0) + cycle()) * 4 + drvevt(2 | 12) + add(1, 1) + cycle()
SEEDS["evt_desc_raw"] = header(6, EVENT_IDX) + drvevt(2 | 4, 0x8003) + (add(1, 1) + cycle()) * 4
SEEDS["evt_desc_no_idx"] = header(6) + drvevt(2) + add(1, 1) + cycle()
SEEDS["evt_reserved"] = header(6, EVENT_IDX) + drvevt(3, 3) + add(1, 1) + cycle()
SEEDS["notify_off_on"] = header(8, EVENT_IDX | NOTIFY_OFF) + add(1, 1) + cycle() + notify(True) + add(1, 1) + cycle() + notify(False) + pop1_empty()
SEEDS["notify_no_idx"] = header(8, NOTIFY_OFF) + add(1, 1) + cycle() + notify(True) + pop1_empty()

# in order: batches of completely written buffers share a used descriptor
SEEDS["in_order_batch"] = header(8, IN_ORDER) + add(1, 1) * 4 + popall([(A_ALL | A_KEEP, 0)] * 4) + push(0x80) + FLUSH + (add(1, 2) * 2 + cycle(A_ALL)) * 3
SEEDS["in_order_partial"] = header(8, IN_ORDER | EVENT_IDX) + add(1, 1) * 3 + popall([(A_ALL | A_KEEP, 0), (A_SOME | A_KEEP, 3), (A_ALL | A_KEEP, 0)]) + push(0x80) + FLUSH + add(1, 1) + cycle()
SEEDS["in_order_wrong_push"] = header(8, IN_ORDER) + add(1, 1) * 3 + popall([(A_ALL | A_KEEP, 0)] * 3) + push(1) + push(0) + push(0x80) + FLUSH
SEEDS["in_order_indirect"] = header(5, IN_ORDER | INDIRECT) + (add(2, 1, True) + add(1, 1) + cycle()) * 4

# bogus pushes
SEEDS["bogus_pushes"] = header(8) + add(1, 1) + popall([(A_ALL | A_KEEP, 0)]) + bogus(0, 77) + bogus(1, 2) + bogus(2, 3) + push(0) + bogus(3) + FLUSH

# queue configuration: sizes and placement
SEEDS["size_300"] = header(300) + (add(3, 3) + cycle()) * 3
SEEDS["size_32768"] = header(32768, EVENT_IDX) + add(1, 1) + cycle()
SEEDS["size_zero"] = header(0)
SEEDS["size_32769"] = header(32769)
SEEDS["place_custom"] = header(8, EVENT_IDX, qindex=3, place=[(1, 0x40), (3, 0x10), (0, 0x8)]) + (add(1, 1) + cycle()) * 3
SEEDS["place_overlap_events"] = header(8, EVENT_IDX, place=[(0, 0), (0, 0x40), (0, 0x40)]) + drvevt(2) + (add(1, 1) + cycle()) * 3
SEEDS["place_misaligned"] = header(8, RAWPLACE, place=[(0, 0x8), (0, 0), (0, 4)])
SEEDS["place_hole"] = header(8, PLACE, place=[(0, 0), (5, 0), (0, 4)])
SEEDS["place_ring_over_region_end"] = header(16, RAWPLACE, place=[(0, 0xff00), (1, 0), (1, 4)])


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), OUT))


if __name__ == "__main__":
    main()
