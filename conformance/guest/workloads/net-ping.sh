#!/bin/sh
# Guest workload: Linux's virtio_net against `virtiocheck serve --device net
# --device-args loopback=off,responder=10.0.2.2`, whose host end answers ARP
# and ICMP echo for 10.0.2.2. Brings eth0 up as 10.0.2.15/24, pings 10.0.2.2
# with small and with 1400-byte payloads, counts the replies, and checks
# that tx_packets and rx_packets in sysfs both moved by at least as many
# frames. Prints one WORKLOAD line per step and a final "WORKLOAD net-ping
# PASS" or "WORKLOAD net-ping FAIL"; exit 0 only on PASS.
set -u
fail=0
step() { if "$@"; then echo "WORKLOAD ok: $*"; else echo "WORKLOAD FAIL: $*"; fail=1; fi; }
peer=10.0.2.2
# replies counted from busybox ping's summary line
pings() {
	local n=$1 size=$2 out got
	out=$(ping -c "$n" -s "$size" -i 0.2 -W 3 $peer 2>&1)
	echo "$out" | sed -n 's/^/WORKLOAD ping: /; /transmitted\|bytes from/p' | tail -n 2
	got=$(echo "$out" | sed -n 's/.* \([0-9][0-9]*\) packets received.*/\1/p')
	step test "${got:-0}" -eq "$n"
}
for i in $(seq 50); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
S=/sys/class/net/eth0
echo "WORKLOAD net: driver $(basename "$(readlink $S/device/driver 2>/dev/null)") mac $(cat $S/address 2>/dev/null) mtu $(cat $S/mtu 2>/dev/null) features $(cat $S/device/features 2>/dev/null)"
step test -e $S
# no IPv6 chatter: the frames on the wire are the workload's own, so a
# hostile mode's --hostile-after lands on a known frame
for c in all default eth0; do echo 1 >/proc/sys/net/ipv6/conf/$c/disable_ipv6; done 2>/dev/null
step ip link set eth0 up
step ip addr add 10.0.2.15/24 dev eth0
tx0=$(cat $S/statistics/tx_packets 2>/dev/null || echo 0)
rx0=$(cat $S/statistics/rx_packets 2>/dev/null || echo 0)
pings 5 56
pings 3 1400
tx1=$(cat $S/statistics/tx_packets 2>/dev/null || echo 0)
rx1=$(cat $S/statistics/rx_packets 2>/dev/null || echo 0)
echo "WORKLOAD net: tx_packets +$((tx1 - tx0)), rx_packets +$((rx1 - rx0)), rx_length_errors $(cat $S/statistics/rx_length_errors 2>/dev/null), rx_dropped $(cat $S/statistics/rx_dropped 2>/dev/null)"
step test $((tx1 - tx0)) -ge 8
step test $((rx1 - rx0)) -ge 8
if [ $fail -eq 0 ]; then echo "WORKLOAD net-ping PASS"; else echo "WORKLOAD net-ping FAIL"; fi
exit $fail
