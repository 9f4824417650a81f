#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic seeds for fuzz/fuzz_vq_batch.c (the batch calls of vq.h
against the one-buffer calls, two worlds). Writes corpus/fuzz_vq_batch/<name>.
The encoding mirrors the input format at the top of fuzz_vq_batch.c.

Usage: gen_vq_batch.py [OUTDIR]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "corpus",
                                                          "fuzz_vq_batch")

PACKED, IN_ORDER, EVENT_IDX, INDIRECT = 1, 2, 4, 8
(ADD_BATCH, ADD_CHAIN, KICK, POP, PUSH, FLUSH, GET, RAW_DESC, RAW_AVAIL, RAW_USED,
 NOTIFY, RESET) = range(12)


def header(cfg, size_byte):
    return bytes([cfg, size_byte])


def add_batch(n, writable=True, null_tokens=False, length=0x40):
    return bytes([ADD_BATCH, n, (1 if writable else 0) | (2 if null_tokens else 0), length])


def add_chain(n_out, n_in, indirect=False, length=0x20):
    return bytes([ADD_CHAIN, n_out | (n_in << 2) | (16 if indirect else 0), length])


def pop(m):
    return bytes([POP, m])


def push(picks):
    """picks: (pick, how) pairs; pick < 0xf0 chooses a popped buffer,
    how % 4: 0 all written, 1 half, 2 one byte too many"""
    b = bytes([PUSH, len(picks)])
    for p, h in picks:
        b += bytes([p, h])
    return b


def get(m):
    return bytes([GET, m])


def raw_desc(slot, kind, length, flags, nx):
    return bytes([RAW_DESC, slot, kind]) + struct.pack("<H", length) + bytes([flags, nx])


def raw_avail(a, b):
    return bytes([RAW_AVAIL, a, b])


def raw_used(a, ident, length, fl):
    return bytes([RAW_USED, a, ident]) + struct.pack("<H", length) + bytes([fl])


def cycle(n, m, writable=True):
    """add n, kick, pop m, push all popped in order, flush, get m"""
    return (add_batch(n, writable) + bytes([KICK]) + pop(m) +
            push([(k, 0) for k in range(min(n, m, 8))]) + bytes([FLUSH]) + get(m))


SEEDS = {
    # split, size 8: laps of batches of 3 and 8
    "split_laps": header(INDIRECT, 3) + cycle(3, 3) * 4 + cycle(8, 13) * 3,
    # split, IN_ORDER + EVENT_IDX, size 16, partial lengths
    "split_in_order": header(IN_ORDER | EVENT_IDX, 4) +
    (add_batch(6) + bytes([KICK]) + pop(21) +
     push([(0, 1), (1, 0), (2, 0)]) + bytes([FLUSH]) + get(2) + get(21)) * 3,
    # split, chains and indirect among one-descriptor buffers
    "split_mixed": header(INDIRECT | EVENT_IDX, 3) +
    (add_batch(2) + add_chain(1, 1) + add_batch(2, False) + add_chain(2, 1, True) +
     bytes([KICK]) + pop(21) + pop(21) + pop(21) +
     push([(0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0)]) + bytes([FLUSH]) + get(21)) * 3,
    # split, a hostile driver: a descriptor in the hole, then an avail idx jump
    "split_hostile_driver": header(0, 3) + add_batch(2) + bytes([KICK]) +
    raw_desc(2, 4, 16, 2, 0) + raw_avail(0, 2) + raw_avail(1, 2) + pop(21) + pop(21) +
    raw_avail(0x80, 10) + pop(3),
    # split, a hostile device: a used id already completed, a too long len
    "split_hostile_device": header(0, 3) + add_batch(4) + bytes([KICK]) +
    raw_used(1, 0, 10, 0) + get(5) + raw_used(1, 0, 10, 0) + raw_used(1, 1, 5000, 0) + get(5),
    # packed, size 6, laps
    "packed_laps": header(PACKED | INDIRECT, 5) + cycle(3, 3) * 3 + cycle(6, 11) * 4,
    # packed, IN_ORDER + EVENT_IDX, size 7
    "packed_in_order": header(PACKED | IN_ORDER | EVENT_IDX, 6) +
    (add_batch(5) + bytes([KICK]) + pop(21) + push([(0, 0), (1, 0), (2, 1)]) +
     bytes([FLUSH]) + get(21)) * 4,
    # packed, lists and indirect tables between one-descriptor buffers
    "packed_mixed": header(PACKED | INDIRECT, 7) +
    (add_batch(2) + add_chain(1, 2) + add_batch(1, False) + add_chain(1, 1, True) +
     bytes([KICK]) + pop(21) + pop(21) + pop(21) +
     push([(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)]) + bytes([FLUSH]) + get(3) + get(21)) * 3,
    # packed, a hostile driver: AVAIL and USED both set, an id still outstanding
    "packed_hostile_driver": header(PACKED, 7) + add_batch(2) + bytes([KICK]) + pop(1) +
    raw_desc(2, 0, 32, 8 | 16, 3) + pop(21) + pop(21),
    # packed, a hostile device: neither available nor used, bad push heads, reset
    "packed_hostile_device": header(PACKED | EVENT_IDX, 7) + add_batch(3) + bytes([KICK]) +
    pop(3) + push([(0xf1, 0x20), (0, 0)]) + raw_used(0, 1, 0, 2) + get(4) +
    bytes([RESET]) + cycle(4, 4),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), OUT))


if __name__ == "__main__":
    main()
