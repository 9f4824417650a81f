#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Deterministic seeds for fuzz/fuzz_console_control.c (control messages,
port data and host actions against the console device). Writes
corpus/fuzz_console_control/<name>. The encoding mirrors the input format at
the top of fuzz_console_control.c.

Usage: gen_console_control.py [OUTDIR]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "corpus",
                                                          "fuzz_console_control")

(CTRL_RAW, CTRL, WRITE, READ, INJECT, ADD, REMOVE, HOST_OPEN, RESIZE, CONSOLE, PORT_OPEN,
 RAWBUF, RESET, EMERG, POLL) = range(15)
READY, ADD_EV, REMOVE_EV, PORT_READY, CONSOLE_PORT, RESIZE_EV, OPEN_EV, NAME_EV = range(8)


def u16(v):
    return struct.pack("<H", v & 0xffff)


def u32(v):
    return struct.pack("<I", v & 0xffffffff)


def header(mp=True, want_mp=True, size=False, emerg=False, mmio=False, ports=4, present=0xff,
           open_=0xff, console=0, named=0, names=b""):
    b0 = (1 if mp else 0) | (2 if want_mp else 0) | (4 if size else 0) | (8 if emerg else 0) | \
        (0x10 if mmio else 0) | (0x20 if size else 0) | (0x40 if emerg else 0)
    h = bytes([b0])
    if mp:
        h += bytes([(ports - 1) % 8])
    else:
        pass
    h += bytes([present, open_, console, named])
    if size:
        h += bytes([80, 25])
    return h + names


def op(code, *args):
    return bytes([code]) + bytes(args)


def main():
    os.makedirs(OUT, exist_ok=True)
    s = {}
    mp = header()
    single = header(mp=False, want_mp=False)
    s["single_write_read"] = single + op(WRITE, 0) + u16(100) + b"\x07" + \
        op(INJECT, 0) + u16(50) + b"\x01" + op(READ, 0) + u16(100)
    s["single_emerg"] = header(mp=False, want_mp=False, emerg=True) + op(EMERG) + op(WRITE, 0) + \
        u16(3) + b"\x01"
    s["mp_offered_not_wanted"] = header(want_mp=False) + op(INJECT, 1) + u16(10) + b"\x02" + \
        op(WRITE, 0) + u16(10) + b"\x03"
    s["mp_bringup"] = mp + op(POLL)
    s["mp_write_ports"] = mp + op(WRITE, 1) + u16(500) + b"\x01" + op(WRITE, 3) + u16(2500) + \
        b"\x02" + op(WRITE, 9) + u16(5) + b"\x00"
    s["mp_inject_open"] = mp + op(PORT_OPEN, 2, 1) + op(INJECT, 2) + u16(1200) + b"\x05" + \
        op(READ, 2) + u16(2000)
    s["mp_inject_closed"] = mp + op(PORT_OPEN, 2, 0) + op(INJECT, 2) + u16(30) + b"\x05" + \
        op(PORT_OPEN, 2, 1) + op(READ, 2) + u16(100)
    s["hotplug"] = header(present=0x1) + op(ADD, 2, 3) + b"abc" + op(WRITE, 2) + u16(10) + \
        b"\x01" + op(REMOVE, 2) + op(ADD, 2, 0) + op(REMOVE, 2) + op(REMOVE, 2)
    s["hotplug_beyond"] = header(ports=2, present=0x1) + op(ADD, 0x85, 0) + op(ADD, 1, 0) + \
        op(ADD, 1, 0) + op(REMOVE, 0x9f)
    s["remove_with_input"] = mp + op(INJECT, 1) + u16(900) + b"\x09" + op(REMOVE, 1) + \
        op(ADD, 1, 0) + op(READ, 1) + u16(1000)
    s["remove_pending_input"] = mp + op(PORT_OPEN, 1, 0) + op(INJECT, 1) + u16(30) + b"\x04" + \
        op(REMOVE, 1) + op(ADD, 1, 0) + op(PORT_OPEN, 1, 1) + op(READ, 1) + u16(100)
    # more than the 48 KiB the target tracks per port: later writes are skipped
    s["many_writes"] = single + (op(WRITE, 0) + u16(2999) + b"\x01") * 20
    s["host_open_close"] = mp + op(HOST_OPEN, 0, 0) + op(HOST_OPEN, 0, 1) + op(HOST_OPEN, 7, 1)
    s["resize"] = header(size=True) + op(RESIZE, 0) + u16(132) + u16(43) + op(RESIZE, 3) + \
        u16(1) + u16(2)
    s["console_nominate"] = header(console=0xff) + op(CONSOLE, 1) + op(PORT_OPEN, 1, 0)
    s["named_ports"] = header(named=0x5, names=bytes([2, 0, 1, 5, 7, 8, 9])) + op(POLL)
    # raw control messages: shape bit 4 short, 5 raw value, 6 raw event, 7 raw id
    s["ctrl_ready_again"] = mp + op(CTRL_RAW, 0, 0, READY, 1, 0)
    s["ctrl_ready_zero"] = mp + op(CTRL, 0, READY, 0)
    s["ctrl_port_ready_0"] = mp + op(CTRL, 1, PORT_READY, 0) + op(CTRL, 1, PORT_READY, 1)
    s["ctrl_port_open_2"] = mp + op(CTRL, 1, OPEN_EV, 2)
    s["ctrl_unknown_event"] = mp + op(CTRL_RAW, 0x40, 1) + u16(77) + bytes([1, 0])
    s["ctrl_short"] = mp + op(CTRL_RAW, 0x10, 1, OPEN_EV, 1, 5) + b"\x01\x02\x03\x04\x05"
    s["ctrl_with_name"] = mp + op(CTRL_RAW, 0, 2, NAME_EV, 0, 10) + b"evilname!!"
    s["ctrl_huge_id"] = mp + op(CTRL_RAW, 0x80) + u32(0xffffffff) + bytes([PORT_READY, 1, 0])
    s["ctrl_device_add_from_driver"] = mp + op(CTRL, 5, ADD_EV, 0) + op(CTRL, 0, REMOVE_EV, 0)
    s["console_answer_0"] = header(console=0) + op(CTRL, 0, OPEN_EV, 0)
    # wrong-direction buffers: kind % 4: 0 writable on txq, 1 on ctrl txq, 2 readable on rxq
    s["wrong_dir_txq"] = mp + op(RAWBUF, 0, 1) + u16(20)
    s["wrong_dir_txq_mixed"] = mp + op(RAWBUF, 4, 0) + u16(20)
    s["wrong_dir_ctrl_txq"] = mp + op(RAWBUF, 1, 0) + u16(8)
    s["wrong_dir_rxq"] = single + op(RAWBUF, 2, 0) + u16(8) + op(INJECT, 0) + u16(5000) + b"\x01"
    s["wrong_dir_ctrl_rxq"] = mp + op(RAWBUF, 6, 0) + u16(8) + op(ADD, 6, 0)
    s["raw_tx_data"] = mp + op(RAWBUF, 3, 1) + u16(300)
    s["reset"] = mp + op(WRITE, 1) + u16(10) + b"\x01" + op(INJECT, 1) + u16(10) + b"\x02" + \
        op(RESET) + op(READ, 1) + u16(100) + op(WRITE, 1) + u16(10) + b"\x03"
    s["reset_single"] = single + op(INJECT, 0) + u16(10) + b"\x02" + op(RESET) + op(READ, 0) + \
        u16(100)
    s["mmio_mp"] = header(mmio=True) + op(WRITE, 2) + u16(10) + b"\x01"
    s["no_ports"] = header(present=0, open_=0) + op(ADD, 0, 0) + op(INJECT, 0) + u16(10) + b"\x01"
    for name, data in s.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(s), OUT))


if __name__ == "__main__":
    main()
