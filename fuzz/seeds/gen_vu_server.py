#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic seeds for fuzz/fuzz_vu_server.c (a hostile vhost-user
front-end against `virtiocheck serve`). Writes corpus/fuzz_vu_server/<name>.
The encoding mirrors the input format at the top of fuzz_vu_server.c: a
device byte, then messages (kind, flags, fds selector, le16 length, lie
byte, payload); kind 30 pokes the first memory region, 31 arms the kicks.

Usage: gen_vu_server.py [OUTDIR]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "corpus",
                                                          "fuzz_vu_server")

# indices into the request table of fuzz_vu_server.c
(GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE, SET_LOG_BASE, SET_LOG_FD,
 SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_KICK, SET_VRING_CALL,
 SET_VRING_ERR, GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE,
 GET_CONFIG, SET_CONFIG, RESET_DEVICE) = range(21)
POKE, ARM = 30, 31
NEED_REPLY = 1
UADDR = 0x7f0000000000
QSIZE = 8
DESC, AVAIL, USED, BUF = 0x0, 0x1000, 0x2000, 0x10000


def msg(kind, payload=b"", flags=0, fds=0, lie=0):
    return bytes([kind, flags, fds]) + struct.pack("<H", len(payload)) + bytes([lie]) + payload


def u64(v):
    return struct.pack("<Q", v)


def state(idx, num):
    return struct.pack("<II", idx, num)


def poke(off, data):
    return msg(POKE, struct.pack("<I", off) + data)


def start(features):
    """QEMU's order: features, protocol features, queue count, owner, then
    at DRIVER_OK the memory table and queue 0, enabled."""
    s = msg(GET_FEATURES) + msg(GET_PROTOCOL_FEATURES)
    s += msg(SET_PROTOCOL_FEATURES, u64((1 << 0) | (1 << 3) | (1 << 9)))
    s += msg(GET_QUEUE_NUM) + msg(SET_OWNER)
    s += msg(GET_CONFIG, struct.pack("<III", 0, 16, 0) + bytes(16))
    s += msg(SET_FEATURES, u64(features | (1 << 30)), flags=NEED_REPLY)
    # one region: gpa 0, 1 MiB, at UADDR, from offset 0 of the memfd
    s += msg(SET_MEM_TABLE, struct.pack("<II", 1, 0) + struct.pack("<QQQQ", 0, 1 << 20, UADDR, 0),
             flags=NEED_REPLY)
    s += msg(SET_VRING_NUM, state(0, QSIZE)) + msg(SET_VRING_BASE, state(0, 0))
    s += msg(SET_VRING_ADDR, struct.pack("<IIQQQQ", 0, 0, UADDR + DESC, UADDR + USED,
                                         UADDR + AVAIL, 0))
    s += msg(SET_VRING_KICK, u64(0)) + msg(SET_VRING_CALL, u64(0))
    return s


def desc(addr, length, flags, nxt):
    return struct.pack("<QIHH", addr, length, flags, nxt)


def avail(heads, idx=None):
    idx = len(heads) if idx is None else idx
    return struct.pack("<HH", 0, idx) + b"".join(struct.pack("<H", h) for h in heads)


def seeds():
    v1 = 1 << 32
    rng_read = (start(v1) + poke(DESC, desc(BUF, 64, 2, 0)) + poke(AVAIL, avail([0])) +
                msg(SET_VRING_ENABLE, state(0, 1)) + msg(ARM) + msg(GET_VRING_BASE, state(0, 0)))
    # a loop in the chain: descriptor 0 -> 1 -> 0
    rng_loop = (start(v1) + poke(DESC, desc(BUF, 64, 3, 1) + desc(BUF + 64, 64, 3, 0)) +
                poke(AVAIL, avail([0])) + msg(SET_VRING_ENABLE, state(0, 1)) + msg(ARM))
    # blk: a read of sector 0 (header, 512-byte data, status)
    blk_read = (start(v1) +
                poke(DESC, desc(BUF, 16, 1, 1) + desc(BUF + 0x100, 512, 3, 2) +
                     desc(BUF + 0x400, 1, 2, 0)) +
                poke(BUF, struct.pack("<IIQ", 0, 0, 0)) + poke(AVAIL, avail([0])) +
                msg(SET_VRING_ENABLE, state(0, 1)) + msg(ARM) + msg(GET_VRING_BASE, state(0, 0)))
    return {
        "rng_start_read": b"\x00" + rng_read,
        "rng_chain_loop": b"\x00" + rng_loop,
        "blk_read_sector0": b"\x01" + blk_read,
        "mem_table_past_memfd": b"\x00" + msg(SET_MEM_TABLE, struct.pack("<II", 1, 0) +
                                               struct.pack("<QQQQ", 0, 2 << 20, UADDR, 0)),
        "mem_table_no_fds": b"\x00" + msg(SET_MEM_TABLE, struct.pack("<II", 1, 0) +
                                           struct.pack("<QQQQ", 0, 1 << 20, UADDR, 0), fds=1),
        "cut_mid_message": b"\x00" + msg(GET_FEATURES) + msg(SET_FEATURES, u64(v1), lie=0xff),
        "reset_and_again": b"\x00" + rng_read + msg(RESET_DEVICE) + rng_read,
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
