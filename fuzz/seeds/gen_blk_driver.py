#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic seeds for fuzz/fuzz_blk_driver.c (a hostile blk device facing
the reference blk driver). Writes corpus/fuzz_blk_driver/<name>. The
encoding mirrors the input format at the top of fuzz_blk_driver.c.

Usage: gen_blk_driver.py [OUTDIR]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "corpus",
                                                          "fuzz_blk_driver")

# feature index -> bit in the offer / want masks
SIZE_MAX, SEG_MAX, GEOMETRY, RO, BLK_SIZE, FLUSH, TOPOLOGY, CONFIG_WCE, MQ, DISCARD, \
    WRITE_ZEROES, LIFETIME, SECURE_ERASE, INDIRECT, EVENT_IDX = [1 << i for i in range(15)]
ALL = 0x7fff & ~RO
READ, WRITE, FLUSH_OP, GET_ID, GET_LIFETIME, RANGES, RESET, SHAPE = range(8)
# answers: a & 7: 0-2 OK, 3 status (a >> 3) % 3, 4 bad status, 5 short used len,
# 6 no answer, 7 status not written
OK, ST_IOERR, ST_UNSUPP, BAD, SHORT, NONE, NOSTATUS = 0, 3 | 1 << 3, 3 | 2 << 3, 4, 5, 6, 7


def u16(v):
    return struct.pack("<H", v & 0xffff)


def u32(v):
    return struct.pack("<I", v & 0xffffffff)


def u64(v):
    return struct.pack("<Q", v & 0xffffffffffffffff)


def header(b0=0, offer=ALL, want=ALL, cap=64, size_max=15, seg_max=15, blk_size=15, pbe=3, wb=1,
           nq=1, limits=(15, 15, 15, 15, 15, 15), mode=0, extra=b""):
    """pick32 bytes: < 8 special (0, 1, 511, 512, 4096, 65536, 2^31, ~0), 8..15 sane."""
    h = bytes([b0]) + u16(offer) + u16(want) + bytes([mode])
    if mode & 3 == 0:
        h += bytes([cap])
    elif mode & 3 in (1, 2):
        h += bytes([cap])
    else:
        h += u64(cap)
    h += bytes([size_max, seg_max, blk_size, pbe, wb]) + extra + bytes([nq]) + bytes(limits)
    return h + u16(16)


def main():
    os.makedirs(OUT, exist_ok=True)
    s = {}
    h = header()
    s["read_ok"] = h + bytes([READ, 0, 4 << 2, 2, OK])
    s["write_ok"] = h + bytes([WRITE, 0, 1 << 2, 3, OK])
    s["read_ioerr"] = h + bytes([READ, 0, 0, 1, ST_IOERR])
    s["read_unsupp"] = h + bytes([READ, 0, 0, 1, ST_UNSUPP])
    s["read_bad_status"] = h + bytes([READ, 0, 0, 1, BAD, 0x40])
    s["read_short_used"] = h + bytes([READ, 0, 0, 1, SHORT]) + u32(100)
    s["read_used_one_short"] = h + bytes([READ, 0, 0, 1, SHORT]) + u32(512)
    s["lifetime_reserved_b"] = h + bytes([GET_LIFETIME, 0, OK, 1]) + u16(3) + u16(11) + u16(12)
    s["read_at_cap"] = h + bytes([READ, 0, 2, 1]) + u64(64) + bytes([OK]) + \
        bytes([WRITE, 0, 2, 2]) + u64(63) + bytes([OK, OK])
    s["read_wrap"] = h + bytes([READ, 0, 2, 2]) + u64(0xffffffffffffffff) + bytes([OK])
    s["read_no_answer"] = h + bytes([READ, 0, 0, 1, NONE, READ, 0, 0, 1, OK])
    s["read_no_status"] = h + bytes([READ, 0, 0, 1, NOSTATUS])
    s["write_ro_ok"] = header(offer=ALL | RO) + bytes([WRITE, 0, 0, 1, OK])
    s["write_ro_ioerr"] = header(offer=ALL | RO) + bytes([WRITE, 0, 0, 1, ST_IOERR])
    s["flush"] = h + bytes([FLUSH_OP, 0, OK, FLUSH_OP, 0, BAD, 9])
    s["get_id_ascii"] = h + bytes([GET_ID, 0, OK, 10 << 1]) + b"serial-number-000000"
    s["get_id_raw"] = h + bytes([GET_ID, 0, OK, 1]) + bytes(range(0x70, 0x84))
    s["get_id_nul_then_char"] = h + bytes([GET_ID, 0, OK, 1]) + b"ab\0c" + bytes(16)
    s["lifetime_ok"] = h + bytes([GET_LIFETIME, 0, OK, 0, 1, 5, 6])
    s["lifetime_reserved"] = h + bytes([GET_LIFETIME, 0, OK, 1]) + u16(4) + u16(12) + u16(0)
    s["discard"] = h + bytes([RANGES, 0, 2, 2 << 1, 8, 4 << 1, 8, OK])
    s["write_zeroes_unmap"] = h + bytes([RANGES, 0, 0x80 | 1 << 3 | 1, 2, 4, OK])
    s["secure_erase"] = h + bytes([RANGES, 0, 2 << 3 | 1, 2, 4, OK])
    s["ranges_past_cap"] = h + bytes([RANGES, 0, 1, 1]) + u64(1 << 63) + bytes([1])
    s["multi_chunk_read"] = header(size_max=3, seg_max=1) + bytes([READ, 0, 0, 8, OK, OK, OK, OK,
                                                                  OK, OK, OK, OK])
    s["chunk_fail_mid"] = header(size_max=3, seg_max=1) + bytes([READ, 0, 0, 4, OK, ST_IOERR])
    s["cap_near_max"] = header(mode=1, cap=0) + bytes([READ, 0, 1, 1, OK, READ, 0, 3, 2, OK, OK])
    s["cap_overflow"] = header(mode=2, cap=0)
    s["blk_size_0"] = header(blk_size=0)
    s["blk_size_odd"] = header(mode=4, size_max=0, seg_max=0, blk_size=0) + u32(65536) + \
        u32(1) + u32(1000)
    s["seg_max_0"] = header(seg_max=0)
    s["size_max_small"] = header(size_max=2)
    s["num_queues_0"] = header(nq=0, mode=0)
    s["num_queues_huge"] = header(mode=0x20, nq=0) + b""
    s["writeback_2"] = header(wb=2, mode=8)
    s["wce_without_flush"] = header(offer=ALL & ~FLUSH)
    s["pbe_16"] = header(pbe=16)
    s["discard_limits_0"] = header(limits=(0, 15, 15, 15, 15, 15))
    s["unused_nonzero"] = header(mode=0x10, extra=bytes([1, 0, 0]))
    s["mq_queues"] = header(nq=4) + bytes([READ, 3, 0, 1, OK, READ, 4, 0, 1, OK])
    s["reset"] = h + bytes([RESET, 0, READ, 0, 0, 1, OK])
    s["shape_indirect"] = h + bytes([SHAPE, 0, 0x1b, 7, WRITE, 0, 0, 4, OK])
    s["no_features"] = header(offer=0, want=0) + bytes([READ, 0, 0, 1, OK, FLUSH_OP, 0])
    s["mmio"] = header(b0=1) + bytes([READ, 0, 0, 1, OK])
    for name, data in s.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(s), OUT))


if __name__ == "__main__":
    main()
