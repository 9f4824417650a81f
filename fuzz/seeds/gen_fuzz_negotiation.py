#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic seeds for fuzz/fuzz_negotiation.c (register sequences on the
virtio-pci transport with the rng device). Writes corpus/fuzz_negotiation/<name>.
The encoding mirrors the decoder in fuzz_negotiation.c; the cases follow
tests/check_vpci.c.

Usage: gen_fuzz_negotiation.py [OUTDIR]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "corpus", "fuzz_negotiation")

# common configuration fields, in the target's table order
(F_DFSEL, F_DF, F_GFSEL, F_GF, F_MSIX, F_NUMQ, F_STATUS, F_CFGGEN, F_QSEL, F_QSIZE, F_QMSIX,
 F_QENABLE, F_QNOFF, F_QDESCLO, F_QDESCHI, F_QAVAILLO, F_QAVAILHI, F_QUSEDLO, F_QUSEDHI,
 F_QNDATA, F_QRESET) = range(21)
# status values by their index in status_vals[]
S0, S_ACK, S_AD, S_ADF, S_LIVE, S_AD_DOK, S_FOK, S_DOK, S_FAILED, S_NR = range(10)
ACK, DRV, FOK, DOK, NR, FAILED = 1, 2, 8, 4, 0x40, 0x80

WNAT, W1, W2, W4, W8 = 0, 6, 7, 8, 9     # width selectors: natural, 1, 2, 4, 8


# values (pick_value)
def v_status(i): return bytes([0, i])
def v_misc(i): return bytes([3, i])            # 0, 1, 0xffff, 0xffffffff, 0x8000, 2, 0x100, 0x10000
def v_pow2(b): return bytes([2, b])
def v_u8(x): return bytes([4, x & 0xff])
def v_u16(x): return bytes([5]) + struct.pack("<H", x & 0xffff)
def v_u32(x): return bytes([6]) + struct.pack("<I", x & 0xffffffff)
def v_u64(x): return bytes([7]) + struct.pack("<Q", x)
def v_offer(hi, mode=0, arg=0):
    k = (1 if hi else 0) | (mode << 1)
    b = bytes([1, k])
    if mode == 1:
        b += struct.pack("<I", arg)
    elif mode == 2:
        b += bytes([arg])
    return b


# operations
def cw(field, val, w=WNAT): return bytes([0, field, w]) + val
def cw_raw(off, val, w=W4): return bytes([0, 0xf0, off, w]) + val
def cr(field, w=WNAT): return bytes([3, field, w])
def cr_raw(off, w=W4): return bytes([3, 0xf0, off, w])
def st(i, read=True): return bytes([5 | (0x80 if read else 0), i])
def st_raw(b, read=True): return bytes([5 | (0x80 if read else 0), 0x80, b])
def feat(sel, val, readback=True): return bytes([7, sel | (4 if readback else 0)]) + val
def isr(w=WNAT): return bytes([8, w])
def notify(w=WNAT, val=None, off=None):
    s = (3 if off is not None else 0) | (0x80 if val is not None else 0)
    b = bytes([9, s]) + (bytes([off]) if off is not None else b"") + bytes([w])
    return b + (val if val is not None else b"")
def devcfg_read(off, w=WNAT): return bytes([10, 0, off, w])
def devcfg_write(off, val, w=WNAT): return bytes([10, 1, off, w]) + val
def pci_read(mode, k, wsel): return bytes([11, mode, k, wsel])
def pci_write(mode, k, wsel, val): return bytes([11, 0x80 | mode, k, wsel]) + val
def window(s, fsel=0, l=0, val=b""): return bytes([12, s, fsel, l]) + val
def queue(s, a=0, b=0): return bytes([13, s, a, b])
def init(s, fm=0, rs=4): return bytes([14, s, fm, rs])
def anybar(off, w, val=None):
    s = w | (0x80 if val is not None else 0)
    return bytes([15, s]) + struct.pack("<H", off) + (val or b"")


def reopen(reset_reads=0, extra=0, withheld=0):
    """op 10 | 0x80: a new device with vpci_params; extra / withheld index
    the target's tables (extra 1 NOTIFICATION_DATA, 2 RING_PACKED,
    3 NOTIF_CONFIG_DATA; withheld 2 EVENT_IDX, 4 RING_RESET, 5 VERSION_1)"""
    return bytes([0x8a, reset_reads | (extra << 2) | (withheld << 5)])


# width index for op_pci_cfg: 1, 2, 4, 4, 2, 1, 3, 8
P1, P2, P4 = 0, 1, 2
# op_window s bits: 1 set bar (2: bar 1), 4 set offset/length, 8 write; bits 4-5 read width
# (4, 4, 1, 2); bits 6-7 byte offset
WIN_SET, WIN_BAR1, WIN_OFF, WIN_WRITE = 1, 2, 4, 8
LEN = {1: 0, 2: 1, 4: 2, 0: 6, 3: 7}

NEGOTIATE = st(S_ACK) + st(S_AD) + feat(0, v_offer(False)) + feat(1, v_offer(True))

seeds = {
    "init_intx_consume": init(3, 0x00, 4) + isr() + isr() + st(S_LIVE) + queue(3),
    "init_intx_event_idx": init(3 | 4, 0x20, 5) + isr() + queue(1, 2, 4) + queue(5) + queue(3),
    "init_msix_vectors": init(3 | 0x40 | 0x10 | 0x20, 0x30, 3) + isr() + cr(F_MSIX) + cr(F_QMSIX),
    "init_msix_no_vector": init(3 | 0x40, 0x10, 6) + queue(1, 1, 8) + queue(5) + queue(3),
    "init_suppressed": init(2, 0, 4) + queue(6, 0) + queue(1, 3, 2) + queue(5) + queue(3) + queue(6, 1) + queue(1, 0, 2) + queue(5),
    "init_then_driver_ok": init(1, 0x30, 7) + queue(1, 3, 1) + queue(5) + st(S_LIVE) + queue(5) + queue(3),
    "features_ok_happy": NEGOTIATE + st(S_ADF) + cr(F_DF) + cw(F_DFSEL, v_misc(1)) + cr(F_DF) + cr(F_GF),
    "features_unoffered": st(S_ACK) + st(S_AD) + feat(0, v_offer(False, 2, 5)) + feat(1, v_u32(1)) + st(S_ADF) + st(S_LIVE),
    "features_no_version_1": st(S_ACK) + st(S_AD) + feat(0, v_offer(False)) + feat(1, v_u32(0)) + st(S_ADF),
    "features_high_window": NEGOTIATE + feat(2, v_u32(1)) + st(S_ADF) + feat(3, v_misc(3)),
    "features_after_features_ok": NEGOTIATE + st(S_ADF) + feat(0, v_misc(3)) + cr(F_GF),
    "driver_ok_without_features_ok": st(S_ACK) + st(S_AD) + st(S_AD_DOK) + notify(),
    "status_clear_and_out_of_order": st(S_DOK) + st(S_FOK) + st(S_AD) + st(S_ACK) + st(S_FAILED) + st_raw(0xff) + st(S_NR) + st(S0),
    "misaligned_ring_needs_reset": NEGOTIATE + st(S_ADF) + cw(F_QDESCLO, v_u32(0x100008)) + cw(F_QENABLE, v_misc(1)) + st(S_LIVE) + st(S_NR) + st(S0) + cr(F_QENABLE),
    "misaligned_ring_after_driver_ok": NEGOTIATE + st(S_ADF) + st(S_LIVE) + cw(F_QUSEDLO, v_u32(0x100002)) + cw(F_QENABLE, v_misc(1)) + isr() + isr(W4) + isr(),
    "ring_outside_memory_msix": pci_write(1, 2, P2, v_u16(0x8000)) + NEGOTIATE + st(S_ADF) + cw(F_MSIX, v_misc(0)) + st(S_LIVE) + cw(F_QDESCHI, v_u32(7)) + cw(F_QENABLE, v_misc(1)),
    "msix_vectors": cw(F_MSIX, v_u16(5)) + cr(F_MSIX) + cw(F_MSIX, v_misc(1)) + cr(F_MSIX) + cw(F_QMSIX, v_u16(2)) + cr(F_QMSIX) + cw(F_QMSIX, v_misc(0)) + cr(F_QMSIX) + cw(F_QMSIX, v_misc(2)) + cr(F_QMSIX),
    "queue_size": cw(F_QSIZE, v_u16(64)) + cr(F_QSIZE) + cw(F_QSIZE, v_u16(3)) + cw(F_QSIZE, v_u16(512)) + cw(F_QSIZE, v_misc(0)) + cr(F_QSIZE) + cw(F_QSIZE, v_pow2(8)) + cr(F_QSIZE),
    "absent_queue": cw(F_QSEL, v_misc(1)) + cr(F_QSIZE) + cr(F_QENABLE) + cr(F_QMSIX) + cw(F_QSIZE, v_u16(16)) + cw(F_QENABLE, v_misc(1)) + cw(F_QSEL, v_misc(2)) + cr(F_QSIZE) + cr(F_NUMQ),
    "queue_locked_after_enable": init(1, 0, 4) + cw(F_QSIZE, v_u16(8)) + cw(F_QDESCLO, v_u32(0x200000)) + cw(F_QMSIX, v_misc(1)) + cw(F_QENABLE, v_misc(1)) + cw(F_QENABLE, v_misc(0)) + cr(F_QSIZE) + cr(F_QDESCLO),
    "queue_reset": init(3, 0, 4) + cw(F_QRESET, v_misc(1)) + cr(F_QRESET) + cr(F_QENABLE) + cr(F_QSIZE) + queue(0, 4, 5) + queue(4) + queue(1) + queue(5) + queue(3),
    "queue_reset_not_negotiated": st(S_ACK) + st(S_AD) + feat(1, v_u32(1)) + st(S_ADF) + cw(F_QRESET, v_misc(1)),
    "notify_variants": notify() + NEGOTIATE + st(S_ADF) + st(S_LIVE) + notify(W4) + notify(WNAT, v_misc(1)) + notify(WNAT, None, 2) + notify(W2, None, 4) + notify(),
    "device_config": devcfg_read(0) + devcfg_write(0, v_u8(1), W1) + NEGOTIATE + st(S_ADF) + devcfg_write(0, v_u32(1)) + devcfg_read(2, W8),
    "pci_config_space": pci_read(0, 0, P4) + pci_write(0, 3, P4, v_misc(3)) + pci_read(0, 3, P4) + pci_write(0, 1, P2, v_u16(6)) + pci_read(0, 1, P4) + pci_write(0, 0, P2, v_misc(0)) + pci_read(0, 2, P2) + pci_write(3, 4, P1, v_u8(0x55)) + pci_read(4, 0x34, P1) + pci_read(4, 3, 3) + pci_read(4, 1, P4),
    "msix_enable_toggle": pci_write(1, 2, P2, v_u16(0x8000)) + pci_read(1, 2, P2) + pci_write(1, 3, P1, v_u8(0)) + pci_read(1, 0, P4) + pci_write(1, 3, P1, v_u8(0x80)) + pci_read(1, 2, P2),
    "window_read_features": window(WIN_SET | WIN_OFF | 0x00, F_DF, LEN[4]) + window(0) + window(WIN_SET | WIN_OFF, F_STATUS, LEN[1]),
    "window_write_status": window(WIN_SET | WIN_OFF | WIN_WRITE, F_STATUS, LEN[1], v_status(S_ACK)) + window(WIN_WRITE, 0, 0, v_status(S_AD)) + st(S_AD) + window(WIN_WRITE, 0, 0, v_status(S0)),
    "window_dead": window(WIN_SET | WIN_BAR1 | WIN_OFF, F_DF, LEN[4]) + window(WIN_SET | WIN_OFF, F_DF, LEN[3]) + window(WIN_SET | WIN_OFF | WIN_WRITE, F_DF, LEN[0], v_misc(1)) + window(WIN_SET | WIN_OFF, 0xe0, LEN[4]),
    "window_isr": init(3, 0, 4) + window(WIN_SET | WIN_OFF, 0xe0, LEN[1]) + window(0),
    "window_notify": init(2, 0, 4) + queue(1, 1, 2) + window(WIN_SET | WIN_OFF | WIN_WRITE, 0xf0, LEN[2], v_misc(0)) + queue(3),
    "bad_widths": cr(F_DF, W2) + cr(F_DF, W8) + cr_raw(0x05, W1) + cw(F_STATUS, v_misc(1), W2) + cw(F_STATUS, v_misc(1), W4) + cr(F_QSEL, W4) + cw(F_QDESCLO, v_u64(0x100000), W8) + cr_raw(0x3c) + anybar(0x800, 2, v_u32(1)) + anybar(0x1000, 2) + anybar(0x1000, 0, v_u8(1)),
    "read_only_writes": cw(F_DF, v_misc(3)) + cw(F_NUMQ, v_misc(2)) + cw(F_CFGGEN, v_misc(1)) + cw(F_QNOFF, v_misc(1)) + cw(F_QNDATA, v_misc(1)) + cr(F_DF) + cr(F_NUMQ) + cr(F_CFGGEN) + cr(F_QNOFF),
    "findings_overflow": b"".join(cr(F_DF, W2) for _ in range(70)) + cr(F_STATUS),
    "zero_length_buffer": init(2, 0, 4) + queue(1, 0, 0x80) + queue(5) + isr() + st(S_NR) + st(S0) + cr(F_QENABLE),
    "readable_buffer_msix": init(2 | 0x40 | 0x10, 0, 4) + queue(1, 1, 0x41) + queue(5) + cr(F_MSIX),
    "ring_mismatch": init(2, 0x20, 4) + queue(0, 5, 0) + queue(1, 2, 3) + queue(5) + queue(3),
    "two_queue_setups": init(1, 0, 3) + st(S0) + NEGOTIATE + st(S_ADF) + queue(0, 4, 1 | 4) + queue(4) + st(S_LIVE) + queue(1, 7, 9) + queue(5) + queue(3),
    # queue_reset that reads 1 twice before it completes; writes meanwhile are refused
    "queue_reset_slow": reopen(2) + init(3, 0, 4) + cw(F_QRESET, v_misc(1)) + cr(F_QRESET) + cw(F_QSIZE, v_u16(8)) + cr(F_QRESET) + cw(F_QENABLE, v_misc(1)) + cr(F_QRESET) + cr(F_QRESET) + cr(F_QSIZE) + queue(0, 4, 5) + queue(4) + queue(1) + queue(5) + queue(3),
    "queue_reset_slow_window": reopen(3) + init(3, 0, 4) + cw(F_QRESET, v_misc(1)) + window(WIN_SET | WIN_OFF, F_QRESET, LEN[2]) + window(0) + window(0) + window(0) + cr(F_QRESET),
    "notification_data": reopen(0, 1) + NEGOTIATE + st(S_ADF) + queue(0, 4, 1 | 4) + queue(4) + st(S_LIVE) + queue(1, 1, 2) + notify() + notify(W2) + queue(3),
    "ring_packed_refused": reopen(0, 2) + NEGOTIATE + st(S_ADF) + st(S_LIVE) + cr(F_DF),
    "notif_config_data": reopen(0, 3) + NEGOTIATE + st(S_ADF) + cr(F_GF) + feat(1, v_offer(True), True),
    "no_version_1_offered": reopen(0, 0, 5) + NEGOTIATE + st(S_ADF) + feat(1, v_u32(1)) + st(S_ADF),
    "ring_reset_withheld": reopen(1, 4, 4) + init(3, 0x30, 4) + cw(F_QRESET, v_misc(1)) + cr(F_QRESET),
    "bar_probe_anywhere": anybar(0x3c, 2) + anybar(0x2000, 2, v_u16(1)) + anybar(0x3fff, 0) + anybar(0x3004, 1, v_misc(0)) + anybar(0x1001, 0),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(seeds), os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
