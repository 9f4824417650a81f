#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic seeds for fuzz/fuzz_blk_request.c (arbitrary requests to the
blk device). Writes corpus/fuzz_blk_request/<name>. The encoding mirrors the
input format at the top of fuzz_blk_request.c.

Usage: gen_blk_request.py [OUTDIR]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "corpus",
                                                          "fuzz_blk_request")

T_IN, T_OUT, T_FLUSH, T_GET_ID, T_LIFETIME, T_DISCARD, T_WZ, T_SE = range(8)  # table index
OP_RAW, OP_READ, OP_WRITE, OP_FLUSH, OP_RESET, OP_POKE = 0, 9, 10, 11, 12, 13


def u16(v):
    return struct.pack("<H", v & 0xffff)


def u32(v):
    return struct.pack("<I", v & 0xffffffff)


def u64(v):
    return struct.pack("<Q", v & 0xffffffffffffffff)


def header(mmio=False, ro=False, indirect=False, segs=1, cap=32, no_offer=0, no_want=0,
           max_seg=(2, 2, 2), max_sect=(16, 16, 16), nq=1, serial=b"fuzz", lifetime=(1, 2, 3)):
    b0 = (1 if mmio else 0) | (2 if ro else 0) | (4 if indirect else 0) | ((segs - 1) & 7) << 3
    h = bytes([b0, (cap - 1) % 64]) + u16(no_offer) + u16(no_want)
    h += bytes(list(max_seg) + [(s - 1) % 80 for s in max_sect])
    h += bytes([(nq - 1) % 4, len(serial)])
    h += bytes(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-".index(c)
               for c in serial)
    h += b"".join(u16(v) for v in lifetime)
    return h


def sector_small(s):
    return bytes([(s << 3) & 0xff])  # mode 0: (m >> 3) % (cap + 1)


def sector_mode(mode, k=0):
    return bytes([(k << 3 | mode) & 0xff])


def length_sectors(n):
    return bytes([(n << 2) & 0xfc])  # mode 0: (m >> 2) % (cap + 3) sectors


def raw(tidx, sector, length=b"", shape=0, extra=b"", cuts=(0, 0), tb_extra=0):
    """tidx: table index (0..11); shape bits: 0 extra data, 1 extra writable,
    2-3 == 3 malformed, 4 short header (else no status), 5-6 queue, 7 indirect."""
    return bytes([OP_RAW, tidx | tb_extra, shape]) + sector + length + extra + \
        bytes([cuts[0]]) + bytes([cuts[1]])


def segs(lst):
    out = bytes([len(lst)])
    for sector, num, flags in lst:
        fm = flags & 1
        if flags > 1:
            fm = 3
        out += bytes([fm]) + sector_small(sector)
        out += bytes([num])
        if fm == 3:
            out += u32(flags)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    h = header()
    seeds["read_write"] = h + raw(1, sector_small(3), length_sectors(2)) + \
        raw(0, sector_small(3), length_sectors(2)) + bytes([OP_READ, 3, 2, 0, 0])
    seeds["write_past_cap"] = h + raw(1, sector_mode(3, 0), length_sectors(2))
    seeds["read_at_cap"] = h + raw(0, sector_mode(3, 0), length_sectors(1)) + \
        raw(1, sector_mode(3, 0), length_sectors(1)) + raw(0, sector_mode(3, 0), length_sectors(0))
    seeds["wz_flag_bit1"] = h + raw(6, sector_small(0), segs([(1, 3, 2)]))
    seeds["read_overflow"] = h + raw(0, sector_mode(5, 0), length_sectors(1)) + \
        raw(0, sector_mode(6, 0), length_sectors(1))
    seeds["ro_write"] = header(ro=True) + raw(1, sector_small(0), length_sectors(1)) + \
        bytes([OP_WRITE, 0, 1, 0, 0])
    seeds["flush"] = h + raw(2, sector_small(0)) + bytes([OP_FLUSH, 0])
    seeds["flush_sector"] = h + raw(2, sector_small(5), tb_extra=0x20)
    seeds["flush_unneg"] = header(no_want=1) + raw(2, sector_small(0)) + bytes([OP_FLUSH, 0])
    seeds["get_id"] = h + raw(3, sector_small(0))
    seeds["get_id_short"] = h + raw(3, sector_small(0), bytes([7]), tb_extra=0x40)
    seeds["lifetime"] = h + raw(4, sector_small(0))
    seeds["lifetime_unneg"] = header(no_offer=1 << 4) + raw(4, sector_small(0))
    seeds["discard"] = h + raw(5, sector_small(0), segs([(2, 4, 0)]))
    seeds["discard_unmap"] = h + raw(5, sector_small(0), segs([(2, 4, 1)]))
    seeds["wz_unmap"] = h + raw(6, sector_small(0), segs([(1, 3, 1), (8, 2, 0)]))
    seeds["wz_bad_flags"] = h + raw(6, sector_small(0), segs([(1, 3, 0x80000002)]))
    seeds["wz_too_many"] = h + raw(6, sector_small(0), segs([(1, 1, 0)] * 3))
    seeds["se_past_cap"] = h + raw(7, sector_small(0), segs([(30, 5, 0)]))
    seeds["se_ro"] = header(ro=True) + raw(7, sector_small(0), segs([(1, 1, 0)]))
    seeds["discard_partial_seg"] = h + raw(5, sector_small(0), segs([(1, 1, 0)]) + bytes([3]),
                                           tb_extra=0x40)
    seeds["unknown_type"] = h + bytes([OP_RAW, 0x0c, 0]) + u32(99) + sector_small(0) + b"\0\0"
    seeds["reserved_field"] = h + bytes([OP_RAW, 0x10, 0]) + u32(0xdeadbeef) + \
        sector_small(1) + length_sectors(1) + b"\0\0"
    seeds["no_status"] = h + raw(0, sector_small(0), length_sectors(1), shape=0x0c)
    seeds["short_header"] = h + raw(0, sector_small(0), b"", shape=0x1c, extra=bytes([9]))
    seeds["both_directions"] = h + raw(0, sector_small(0), length_sectors(1), shape=0x01,
                                       extra=length_sectors(1))
    seeds["write_writable_data"] = h + raw(1, sector_small(0), length_sectors(1), shape=0x03,
                                           extra=length_sectors(1))
    seeds["odd_length"] = h + raw(1, sector_small(0), bytes([0x03]) + u16(700))
    seeds["cuts"] = h + raw(1, sector_small(2), length_sectors(3), cuts=(2, 3)) + \
        u16(5) + u16(100) + u16(0) + u16(7) + u16(9)
    seeds["header_split"] = h + raw(0, sector_small(2), length_sectors(1), cuts=(4, 0)) + \
        u16(1) + u16(3) + u16(3) + u16(8)
    seeds["indirect"] = h + raw(1, sector_small(1), length_sectors(2), shape=0x80, cuts=(1, 1)) + \
        u16(30) + u16(3)
    seeds["mq"] = header(nq=4) + raw(1, sector_small(1), length_sectors(1), shape=0x60) + \
        bytes([OP_READ, 1, 1, 3, 0])
    seeds["reset"] = h + bytes([OP_WRITE, 1, 2, 0, 9, OP_RESET, 1, OP_READ, 1, 2, 0, 0])
    seeds["malformed_then_reset"] = h + raw(1, sector_small(0), length_sectors(1), shape=0x0c) + \
        bytes([OP_READ, 0, 1, 0, 0, 0]) + raw(0, sector_small(0), length_sectors(1))
    seeds["mmio"] = header(mmio=True) + raw(1, sector_small(1), length_sectors(1)) + \
        raw(0, sector_small(1), length_sectors(1))
    seeds["cap1_edge"] = header(cap=1) + raw(0, sector_small(1)) + \
        raw(1, sector_small(0), length_sectors(2))
    seeds["poke_read"] = h + bytes([OP_POKE, 4, 0x77]) + raw(0, sector_small(4), length_sectors(1))
    seeds["driver_segments"] = header(indirect=True, segs=5) + bytes([OP_WRITE, 2, 7, 0, 3]) + \
        bytes([OP_READ, 2, 7, 0, 4])
    seeds["no_features"] = header(no_offer=0x3fff) + raw(5, sector_small(0), segs([(1, 1, 0)]))
    seeds["random_sector"] = h + raw(0, sector_mode(7) + u64(0x8000000000000001), length_sectors(1))
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), OUT))


if __name__ == "__main__":
    main()
