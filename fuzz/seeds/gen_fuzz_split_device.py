#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
Seeds for fuzz/fuzz_split_device.c (the device side of the split ring).

Deterministic: the same files every run. Usage:
    python3 fuzz/seeds/gen_fuzz_split_device.py [OUTDIR]
OUTDIR defaults to corpus/fuzz_split_device next to this repository's fuzz/.
Existing seed-*.bin files in OUTDIR are replaced.

The encoding mirrors the comment at the top of fuzz_split_device.c; most seeds
are the hostile-driver and well-formed cases of tests/check_vq_dev.c.
"""
import os
import struct
import sys

# world layout (both worlds; R3 is 64 MiB in world B)
R0, R1, R2, R3 = 0x10000, 0x12000, 0x100000, 0x100000000
RSZ = 0x2000

# feat bits
EVENT_IDX, INDIRECT, WORLD_B, PLACE, NOTIFY_OFF, BOGUS, RAW_PLACE, RAW_SIZE = (
    1, 2, 4, 8, 16, 32, 64, 128)
# descriptor flags (fb bits 0..2) and record helpers
N, W, I = 1, 2, 4
AUTONEXT, NOISE_8, NOISE_80, NOISE_8000, W_HALF = 8, 16, 32, 64, 128

# act bits of one element
WR_NONE, WR_MAX, WR_MAX_1, WR_VAL = 0, 1, 2, 3
SPLIT, DEFER, READ, FLUSH = 4, 8, 16, 32


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def rep_byte(n):
    """n more copies of a record: 0..7, or 31, 63, ..., 511."""
    if n <= 7:
        return n
    assert (n + 1) % 32 == 0 and 1 <= (n + 1) // 32 <= 16, n
    return 0xEF + (n + 1) // 32


def rec(asel=0, aoff=0, lsel=3, lval=0, fb=0, nb=0, raw_addr=0, raw_len=0, raw_next=0, rep=0):
    b = bytes([asel & 0xFF]) + u16(aoff) + bytes([lsel & 0xFF]) + u16(lval)
    b += bytes([fb & 0xFF, nb & 0xFF])
    if asel & 7 == 5:
        b += u64(raw_addr)
    if lsel & 7 == 5:
        b += u32(raw_len)
    if nb == 0xFA:
        b += u16(raw_next)
    return b + bytes([rep_byte(rep)])


# addresses ------------------------------------------------------------
def in_region(r, off, shift=0):
    """asel/aoff for region r at off (shift: aoff << 4*shift)."""
    return dict(asel=0 | r << 3 | shift << 5, aoff=off)


def buf(k):
    """the k-th 256-byte buffer of R0 (k < 32)."""
    return in_region(0, 0x100 * k)


def last_bytes(r, back=0, over=None):
    """end of region r - len - back, or - len + over (overrun)."""
    if over is not None:
        return dict(asel=1 | r << 3, aoff=0x8000 | over)
    return dict(asel=1 | r << 3, aoff=back)


def hole(h, off=0, from_end=False):
    return dict(asel=2 | h << 3, aoff=(off << 1) | (1 if from_end else 0))


def straddle(r, before_end):
    return dict(asel=3 | r << 3, aoff=before_end)


def wrap(back):
    return dict(asel=4, aoff=back)


def raw(addr):
    return dict(asel=5, raw_addr=addr)


def table(t, plus=None):
    return dict(asel=6 | t << 3, aoff=0 if plus is None else 0x8000 | plus)


def ring_part(p, off=0):
    return dict(asel=7 | p << 3, aoff=off)


# lengths ---------------------------------------------------------------
def ln(v):
    return dict(lsel=3, lval=v) if v < 0x10000 else dict(lsel=5, raw_len=v)


LEN0 = dict(lsel=1)
LEN_MAX = dict(lsel=2)


def tlen(entries, extra=0):
    return dict(lsel=4 | extra << 4, lval=entries)


def tlen_of(extra=0):
    """16 * entries of the table the address names (+ extra)."""
    return dict(lsel=4 | extra << 4, lval=0)


def region_len(minus=0):
    return dict(lsel=6, lval=minus)


def d(addr, length, fb=0, nb=0, rep=0, raw_next=0, stride=False):
    kw = dict(addr)
    kw.update(length)
    if stride:
        kw["lsel"] |= 8
    return rec(fb=fb, nb=nb, rep=rep, raw_next=raw_next, **kw)


# next selectors
def nxt(i):
    return i  # i < 0xf8: i % entries


NEXT_FIRST_OUT, NEXT_FFFF, NEXT_RAW = 0xF8, 0xF9, 0xFA


# whole inputs ------------------------------------------------------------
def tables(*tabs):
    """tabs: (pk, poff, [records])"""
    b = bytes([len(tabs)])
    for pk, poff, recs in tabs:
        b += bytes([pk]) + u16(poff) + bytes([len(recs)]) + b"".join(recs)
    return b


def slot(t=0, unaligned=0):
    return (0 | (0x10 if unaligned else 0), unaligned)


def avail(entries, mode=0, flags_mode=0, used_event=0, raw_idx=0, raw_flags=0):
    b = bytes([mode | flags_mode << 2, len(entries)]) + u16(used_event) + u16(raw_idx)
    b += u16(raw_flags)
    for e in entries:
        b += bytes([e])
    return b


def run(acts=(), bkind=0, bat=0, bval=0, order=0):
    b = bytes([bkind, bat]) + u32(bval) + bytes([order])
    for a in acts:
        if isinstance(a, tuple):
            b += bytes(a)
        else:
            b += bytes([a, 0])
    return b


def case(log2size, feat=0, descs=(), tabs=None, av=None, rn=None, place=None, qindex=3,
         raw_size=0):
    b = bytes([log2size | qindex << 4, feat])
    if feat & RAW_SIZE:
        b += u16(raw_size)
    if feat & (PLACE | RAW_PLACE):
        # RAW_PLACE: (rsel, off) = region rsel&3 (hole if rsel&4) + off, as is
        for r, off in place:
            b += bytes([r]) + u16(off)
    b += bytes([len(descs)]) + b"".join(descs)
    b += tabs if tabs is not None else bytes([0])
    b += av if av is not None else avail([])
    b += rn if rn is not None else run()
    return b


SEEDS = {}


def seed(name, data):
    assert name not in SEEDS, name
    SEEDS[name] = data


QSZ = 3  # log2 8, as in tests/check_vq_dev.c

# -------------------------------------------------------------- accepted
seed("empty-input", b"")
seed("one-readable-one-writable",
     case(QSZ, INDIRECT, [d(buf(1), ln(100), N, nxt(1)), d(buf(2), ln(64), W)],
          av=avail([0]), rn=run([WR_MAX | READ])))
seed("chain-order-5-2-7",
     case(QSZ, INDIRECT, [d(buf(0), LEN0)] * 2 + [d(buf(2), ln(28), N, nxt(7))] +
          [d(buf(0), LEN0)] * 2 + [d(buf(1), ln(100), N, nxt(2)), d(buf(0), LEN0),
                                   d(buf(3), ln(64), W)],
          av=avail([5]), rn=run([WR_MAX | SPLIT, 9])))
seed("zero-length-descriptors",
     case(QSZ, INDIRECT, [d(buf(0), LEN0, N, nxt(1)), d(buf(1), ln(16), N, nxt(2)),
                          d(buf(2), LEN0, W | N, nxt(3)), d(buf(3), ln(32), W | N, nxt(4)),
                          d(buf(4), LEN0, W), d(buf(5), LEN0), d(buf(6), LEN0)],
          av=avail([0, 6]), rn=run([WR_MAX | READ, WR_NONE])))
seed("buffers-end-at-region-ends",
     case(QSZ, INDIRECT, [d(last_bytes(0), ln(16), N, nxt(1)),
                          d(last_bytes(1), ln(64), N, nxt(2)),
                          d(last_bytes(3), ln(1), W)],
          av=avail([0]), rn=run([WR_MAX])))
seed("direct-then-final-indirect",
     case(QSZ, INDIRECT, [d(buf(0), ln(10), N, nxt(1)), d(buf(1), ln(20), N, nxt(2)),
                          d(table(0), tlen_of(), I)],
          tabs=tables((0, 0, [d(buf(2), ln(30), N, nxt(1)), d(buf(3), ln(40), W | N, nxt(2)),
                              d(buf(4), ln(50), W)])),
          av=avail([0]), rn=run([WR_MAX | READ])))
seed("indirect-next-inside-table",
     case(QSZ, INDIRECT, [d(buf(0), LEN0)] * 4 + [d(table(0), tlen_of(), I)],
          tabs=tables((0, 0, [d(buf(0), ln(8), N, nxt(2)), d(buf(1), ln(10), W),
                              d(buf(2), ln(9), W | N, nxt(1))])),
          av=avail([4]), rn=run([WR_VAL, 13])))
seed("write-flag-on-indirect-ignored",
     case(QSZ, INDIRECT, [d(table(0), tlen_of(), I | W)],
          tabs=tables((0, 0, [d(buf(0), ln(12), N, nxt(1)), d(buf(1), ln(24), W)])),
          av=avail([0]), rn=run([WR_MAX])))
seed("chain-of-exactly-queue-size",
     case(QSZ, INDIRECT, [d(buf(0), ln(16), AUTONEXT | N | W_HALF, rep=6, stride=True),
                          d(buf(9), ln(23), W)],
          av=avail([0]), rn=run([WR_MAX | SPLIT, 77])))
seed("indirect-table-of-queue-size-entries",
     case(QSZ, INDIRECT, [d(buf(0), LEN0), d(table(0), tlen_of(), I)],
          tabs=tables((0, 0, [d(buf(0), ln(100), AUTONEXT | N | W_HALF, rep=6, stride=True),
                              d(buf(8), ln(100), W)])),
          av=avail([1]), rn=run([WR_MAX])))
seed("indirect-table-unaligned",
     case(QSZ, INDIRECT, [d(table(0), tlen_of(), I)],
          tabs=tables((0x10, 7, [d(buf(0), ln(12), N, nxt(1)), d(buf(1), ln(24), W)])),
          av=avail([0]), rn=run([WR_MAX])))
# placement offsets are taken modulo the room left in the region: room itself
# puts a part at the region's end (the used ring of 70 bytes ends 2 bytes
# short: it is 4-aligned)
seed("ring-parts-at-region-ends",
     case(QSZ, PLACE, [d(buf(1), ln(8), W)],
          place=[(0, RSZ - 16 * 8), (1, RSZ - (6 + 2 * 8)), (3, RSZ - (6 + 8 * 8))],
          av=avail([0]), rn=run([WR_MAX])))
# 255 entries written, idx = 256: the last entry reads as 0 (head 0 again,
# already pushed)
seed("full-ring-256",
     case(8, 0, [d(in_region(0, 0), ln(16), W | AUTONEXT, rep=255, stride=True)],
          av=avail(list(range(0, 255)), mode=3), rn=run([WR_MAX] * 256)))
seed("event-idx-used-event",
     case(QSZ, EVENT_IDX | INDIRECT, [d(buf(k), ln(8), W) for k in range(4)],
          av=avail([0, 1, 2, 3], used_event=1),
          rn=run([WR_MAX, WR_MAX | FLUSH, WR_MAX, WR_MAX])))
seed("event-idx-notify-off-bad-flags",
     case(QSZ, EVENT_IDX | NOTIFY_OFF, [d(buf(0), ln(8), W)],
          av=avail([0], flags_mode=1, used_event=0xFFFF), rn=run([WR_MAX])))
seed("no-interrupt-and-unknown-avail-flags",
     case(QSZ, NOTIFY_OFF, [d(buf(0), ln(8), W), d(buf(1), ln(8), W)],
          av=avail([0, 1], flags_mode=2, raw_flags=0xFFFE),
          rn=run([WR_MAX | FLUSH, WR_MAX | FLUSH])))
seed("deferred-pushes-reverse",
     case(4, EVENT_IDX, [d(buf(k), ln(32), W | N, nxt(k + 8)) for k in range(8)] +
          [d(buf(k + 8), ln(8), W) for k in range(8)],
          av=avail([0, 1, 2, 3, 4, 5, 6, 7], used_event=5),
          rn=run([WR_MAX | DEFER, (WR_VAL | DEFER, 17), WR_MAX, WR_MAX_1 | DEFER, WR_NONE | DEFER,
                  WR_MAX | FLUSH, WR_MAX | DEFER, WR_MAX], order=1 | 3 << 1)))
seed("unknown-flag-bits-ignored",
     case(QSZ, INDIRECT, [d(buf(0), ln(8), N | NOISE_8 | NOISE_80 | NOISE_8000, nxt(1)),
                          d(buf(1), ln(8), W | NOISE_8000)],
          av=avail([0]), rn=run([WR_MAX])))
seed("writable-buffer-over-avail-ring",
     case(QSZ, 0, [d(ring_part(1, 0), ln(6 + 2 * 8), W), d(buf(1), ln(8), W)],
          av=avail([0, 1, 1]), rn=run([WR_MAX, WR_MAX, WR_MAX])))
seed("writable-buffer-over-descriptor-table",
     case(QSZ, 0, [d(ring_part(0, 16), ln(48), W), d(buf(1), ln(8), W), d(buf(2), ln(8))],
          av=avail([0, 1, 2]), rn=run([WR_MAX, WR_MAX, WR_MAX])))
seed("read-back-with-offset",
     case(QSZ, 0, [d(buf(0), ln(40), N, nxt(1)), d(last_bytes(1), ln(30), N, nxt(2)),
                   d(buf(2), ln(20), W)],
          av=avail([0]), rn=run([(WR_MAX | READ, 33)])))
# 64 descriptors of all 64 MiB of R3 (world B), then an empty one: 2^32 bytes
seed("chain-total-exactly-2-32",
     case(7, WORLD_B, [d(in_region(3, 0), region_len(0), AUTONEXT | N, rep=63)],
          av=avail([0]), rn=run([WR_MAX])))

# -------------------------------------------------------------- refused
seed("self-loop", case(QSZ, INDIRECT, [d(buf(0), ln(16), N, nxt(0))], av=avail([0])))
seed("chain-of-size-plus-one",
     case(QSZ, INDIRECT, [d(buf(0), ln(16), AUTONEXT | N, rep=6, stride=True),
                          d(buf(7), ln(16), N, nxt(0))], av=avail([0])))
seed("loop-inside-indirect",
     case(QSZ, INDIRECT, [d(table(0), tlen_of(), I)],
          tabs=tables((0, 0, [d(buf(0), ln(16), N, nxt(1)), d(buf(1), ln(16), N, nxt(2)),
                              d(buf(2), ln(16), N, nxt(1)), d(buf(3), ln(16))])),
          av=avail([0])))
seed("full-direct-chain-then-indirect-loop",
     case(QSZ, INDIRECT, [d(buf(0), ln(16), AUTONEXT | N, rep=6, stride=True),
                          d(table(0), tlen_of(), I)],
          tabs=tables((0, 0, [d(buf(9), ln(16), N, nxt(0)), d(buf(9), ln(16))])),
          av=avail([0])))
seed("indirect-chain-longer-than-queue-size",
     case(QSZ, INDIRECT, [d(table(0), tlen_of(), I)],
          tabs=tables((0, 0, [d(buf(0), ln(16), AUTONEXT | N, rep=7, stride=True),
                              d(buf(8), ln(16))])),
          av=avail([0])))
seed("next-out-of-range",
     case(QSZ, INDIRECT, [d(buf(0), ln(16), N, NEXT_FIRST_OUT)], av=avail([0])))
seed("next-ffff-after-valid-link",
     case(QSZ, INDIRECT, [d(buf(0), ln(16), N, nxt(1)), d(buf(1), ln(16), N, NEXT_FFFF)],
          av=avail([0])))
seed("head-out-of-range", case(QSZ, INDIRECT, [d(buf(0), ln(16))], av=avail([0xF8])))
seed("avail-idx-past-queue-size",
     case(QSZ, INDIRECT, [d(buf(k), ln(16)) for k in range(8)],
          av=avail(list(range(8)), mode=3), rn=run([WR_MAX] * 8)))
seed("avail-idx-far-ahead",
     case(QSZ, INDIRECT, [d(buf(0), ln(16))], av=avail([0], mode=1, raw_idx=0x8000)))
seed("avail-idx-behind", case(QSZ, INDIRECT, [d(buf(0), ln(16))], av=avail([0], mode=2)))
seed("head-in-flight-made-available-again",
     case(QSZ, INDIRECT, [d(buf(0), LEN0)] * 2 + [d(buf(2), ln(16), W)],
          av=avail([2, 2]), rn=run([WR_MAX | DEFER, WR_MAX])))
seed("addr-plus-len-wraps-2-64", case(QSZ, INDIRECT, [d(wrap(0xFFF), ln(0x2000))], av=avail([0])))
seed("addr-in-hole", case(QSZ, INDIRECT, [d(hole(1, 0x100), ln(16))], av=avail([0])))
seed("addr-past-last-region", case(QSZ, INDIRECT, [d(hole(3, 0x1000), ln(16))], av=avail([0])))
seed("buffer-straddles-adjacent-regions",
     case(QSZ, INDIRECT, [d(straddle(0, 8), ln(16))], av=avail([0])))
seed("buffer-one-byte-over-region-end",
     case(QSZ, INDIRECT, [d(last_bytes(3, over=1), ln(64), W)], av=avail([0])))
seed("len-ffffffff", case(QSZ, INDIRECT, [d(buf(0), LEN_MAX)], av=avail([0])))
seed("chain-total-over-2-32",
     case(7, WORLD_B, [d(in_region(3, 0), region_len(0), AUTONEXT | N, rep=63),
                       d(in_region(3, 0), ln(1))],
          av=avail([0])))
seed("readable-after-writable",
     case(QSZ, INDIRECT, [d(buf(0), ln(16), W | N, nxt(1)), d(buf(1), ln(16))], av=avail([0])))
seed("readable-after-writable-inside-indirect",
     case(QSZ, INDIRECT, [d(table(0), tlen_of(), I)],
          tabs=tables((0, 0, [d(buf(0), ln(16), W | N, nxt(1)), d(buf(1), ln(16))])),
          av=avail([0])))
seed("writable-direct-then-readable-indirect",
     case(QSZ, INDIRECT, [d(buf(0), ln(16), W | N, nxt(1)), d(table(0), tlen_of(), I)],
          tabs=tables((0, 0, [d(buf(1), ln(16))])), av=avail([0])))
VALID_TABLE = [d(buf(0), ln(16), N, nxt(1)), d(buf(1), ln(16), W)]
seed("indirect-without-feature",
     case(QSZ, 0, [d(table(0), tlen_of(), I)], tabs=tables((0, 0, VALID_TABLE)), av=avail([0])))
seed("indirect-with-next",
     case(QSZ, INDIRECT, [d(table(0), tlen_of(), I | N, nxt(1)), d(buf(1), ln(16), W)],
          tabs=tables((0, 0, VALID_TABLE)), av=avail([0])))
seed("two-indirect-via-next",
     case(QSZ, INDIRECT, [d(table(0), tlen_of(), I | N, nxt(1)), d(table(1), tlen_of(), I)],
          tabs=tables((0, 0, VALID_TABLE), (0, 0, VALID_TABLE)), av=avail([0])))
seed("nested-indirect",
     case(QSZ, INDIRECT, [d(table(0), tlen_of(), I)],
          tabs=tables((0, 0, [d(table(1), tlen_of(), I)]), (0, 0, VALID_TABLE)),
          av=avail([0])))
seed("indirect-len-0", case(QSZ, INDIRECT, [d(table(0), LEN0, I)],
                            tabs=tables((0, 0, [d(buf(0), ln(16))])), av=avail([0])))
seed("indirect-len-24", case(QSZ, INDIRECT, [d(table(0), tlen(1, 8), I)],
                             tabs=tables((0, 0, VALID_TABLE)), av=avail([0])))
seed("indirect-table-in-hole",
     case(QSZ, INDIRECT, [d(hole(1, 0), tlen(2), I)], av=avail([0])))
seed("indirect-table-straddles-region-end",
     case(QSZ, INDIRECT, [d(straddle(2, 16), tlen(2), I)], av=avail([0])))
seed("indirect-next-out-of-range",
     case(QSZ, INDIRECT, [d(table(0), tlen_of(), I)],
          tabs=tables((0, 0, [d(buf(0), ln(16), N, NEXT_FIRST_OUT), d(buf(1), ln(16))])),
          av=avail([0])))
seed("indirect-buffer-in-hole",
     case(QSZ, INDIRECT, [d(table(0), tlen_of(), I)],
          tabs=tables((0, 0, [d(buf(0), ln(16), N, nxt(1)), d(hole(1, 0), ln(16), W)])),
          av=avail([0])))
seed("valid-then-invalid-then-bogus-pushes",
     case(QSZ, INDIRECT | BOGUS, [d(buf(0), ln(8), W), d(buf(1), ln(8), W),
                                  d(buf(2), ln(16), N, nxt(2))],
          av=avail([0, 1, 2]), rn=run([WR_MAX, WR_MAX | DEFER], bkind=3, bat=1, bval=5)))
seed("bogus-push-id-not-outstanding",
     case(QSZ, BOGUS, [d(buf(0), ln(8), W), d(buf(1), ln(8), W)],
          av=avail([0, 1]), rn=run([WR_MAX, WR_MAX], bkind=2, bat=1, bval=0)))
seed("bogus-push-raw-id",
     case(QSZ, BOGUS | EVENT_IDX, [d(buf(0), ln(8), W)],
          av=avail([0]), rn=run([WR_MAX], bkind=0, bat=9, bval=0xFFFFFFFF)))

# -------------------------------------------------------------- enable refused
DEFAULT_USED = (2, 0x1400)
seed("enable-desc-misaligned",
     case(QSZ, RAW_PLACE, [d(buf(0), ln(8), W)], place=[(2, 8), (2, 0x1000), DEFAULT_USED],
          av=avail([0])))
seed("enable-used-straddles-region-end",
     case(QSZ, RAW_PLACE, [d(buf(0), ln(8), W)], place=[(2, 0), (2, 0x1000), (3, RSZ - 16)],
          av=avail([0])))
seed("enable-size-6", case(QSZ, RAW_SIZE, [d(buf(0), ln(8), W)], raw_size=6, av=avail([0])))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "corpus",
                                                               "fuzz_split_device")
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        if f.startswith("seed-") and f.endswith(".bin"):
            os.remove(os.path.join(out, f))
    for i, (name, data) in enumerate(sorted(SEEDS.items())):
        with open(os.path.join(out, "seed-%s.bin" % name), "wb") as fh:
            fh.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), os.path.normpath(out)))


if __name__ == "__main__":
    main()
