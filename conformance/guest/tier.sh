#!/bin/bash
# The guest-boot tier: Linux's virtio_blk (and SeaBIOS before it) against
# `virtiocheck serve --device blk`, first well-formed, then against each
# hostile device mode; then Linux's virtio-rng against `serve --device rng`;
# the well-formed runs also with packed virtqueues; then Linux's virtio_net
# against `serve --device net` (its host end answering ARP and ping), also
# with hostile modes on the receive queue. Writes OUT/guest-tier.md (one row per run: what the
# device did, how the driver reacted, the kernel's own words) and keeps
# every run's console log and serve.json under OUT/<run>/.
#
# usage: tier.sh VIRTIOCHECK OUT
# exit status: 0 when the well-formed run passed with no driver violation
# and every hostile run applied its deviation and ended in a classified
# outcome; 1 otherwise; 2 when the guest cannot be prepared.
set -u
vc=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
guest=$here/guest.sh
rm -rf "$out" && mkdir -p "$out" || exit 2
"$guest" prepare >"$out/prepare.log" 2>&1 || { cat "$out/prepare.log"; exit 2; }
fail=0

# run DEVICE NAME TIMEOUT SERVE-ARGS...: one boot against a fresh serve
# process, with the device's workload; a NAME containing "packed" boots
# with packed virtqueues
run() {
	local dev=$1 name=$2 tmo=$3 d=$out/$2 rc src t0 t1 workload layout=
	shift 3
	case $name in *packed*) layout=--packed ;; esac
	mkdir -p "$d"
	case $dev in
	blk) workload=$here/workloads/blk-rw.sh ;;
	rng) workload=$here/workloads/rng-read.sh ;;
	net) workload=$here/workloads/net-ping.sh ;;
	esac
	"$vc" serve --device "$dev" --socket "$d/$dev.sock" --connections 1 --report-dir "$d" "$@" \
		>"$d/serve.log" 2>&1 &
	local pid=$!
	for _ in $(seq 100); do [ -S "$d/$dev.sock" ] && break; sleep 0.05; done
	t0=$(date +%s.%N)
	VC_GUEST_TIMEOUT=$tmo "$guest" boot --device "$dev" $layout "$d/$dev.sock" "$workload" \
		>"$d/console.log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	# serve ends with the front-end; give it a moment, then stop it
	for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	kill $pid 2>/dev/null
	wait $pid
	src=$?
	echo "$rc $src $(awk -v a="$t0" -v b="$t1" "BEGIN { printf \"%.1f\", b - a }")" >"$d/result"
}

outcome() {
	case $1 in
	0) echo "workload passed" ;;
	1) echo "workload failed (I/O errors, no disk, or lost frames)" ;;
	124) echo "guest hung (killed after the time limit)" ;;
	125) echo "guest kernel died (no GUEST-DONE marker)" ;;
	*) echo "guest harness error $1" ;;
	esac
}

# the kernel's own words about the disk (and what the guest saw)
kernel_words() {
	{ grep -E 'virtio|I/O error|BUG|Oops|panic|blk_update' "$1" | grep -v '^WORKLOAD' |
		sed 's/^.*\[ *[0-9.]*\] //' | sort -u | head -n 2
	  sed -n 's/^WORKLOAD disk: //p; s/^WORKLOAD net: \(tx_packets\)/\1/p' "$1"; } |
		paste -sd ';' - | sed 's/;/; /g'
}

echo "| run | device behaviour | outcome | kernel and guest | features | serve findings | seconds |" >"$out/guest-tier.md"
echo "|---|---|---|---|---|---:|---:|" >>"$out/guest-tier.md"

# row NAME WHAT: one line of the table from the run's files
row() {
	read -r rc src secs <"$out/$1/result"
	feat=$(sed -n 's/.*"features": "\(0x[0-9a-f]*\)".*/\1/p' "$out/$1/serve.json" 2>/dev/null)
	echo "| $1 | $2 | $(outcome "$rc") | $(kernel_words "$out/$1/console.log") | $feat | $(grep -c '"clause"' "$out/$1/serve.json" 2>/dev/null) | $secs |" >>"$out/guest-tier.md"
}

for run in blk-wellformed rng-wellformed blk-packed-wellformed rng-packed-wellformed; do
	run "${run%%-*}" $run 120
	row $run "as the spec says"
	if [ "$rc" -ne 0 ] || [ "$src" -ne 0 ]; then
		echo "FAIL: well-formed run $run: guest $rc, serve $src"; fail=1
		tail -n 20 "$out/$run/console.log" "$out/$run/serve.log"
	fi
	# the monitor's reports, in the runner's three formats
	for f in serve.json junit.xml serve.html; do
		[ -s "$out/$run/$f" ] || { echo "FAIL: $run: no $f in its report directory"; fail=1; }
	done
	grep -q '<testsuite name="serve\.[a-z]*\.frontend-0" tests="[0-9]*" failures="0" errors="0"' \
		"$out/$run/junit.xml" 2>/dev/null ||
		{ echo "FAIL: $run: junit.xml does not show a clean front-end"; fail=1; }
done

# hostile DEVICE MODE AFTER [packed]: a scripted deviation (a used-ring
# rewrite, or needs-reset: DEVICE_NEEDS_RESET and no completion after it)
hostile() {
	local name=$1-${4:+$4-}$2 what
	run "$1" "$name" 25 --hostile "$2" --hostile-after "$3"
	what=$(sed -n 's/.*"hostile": "\([^"]*\)".*/\1/p' "$out/$name/serve.json")
	[ -n "$what" ] || { echo "FAIL: $name: the deviation was never applied"; fail=1; }
	row "$name" "$what"
	case $rc in 0|1|124|125) ;; *) echo "FAIL: $name: guest harness error $rc"; fail=1 ;; esac
}

for mode in used-id-range used-id-dup used-idx-jump used-len-long needs-reset; do
	hostile blk $mode 40
done
hostile rng used-len-long 5
# the same rewrites on a packed ring: the used descriptor itself (len, id),
# a buffer returned twice, a slot marked used that was never processed
for mode in used-len-long used-id-range used-id-dup used-idx-jump; do
	hostile blk $mode 40 packed
done

for cfg in blk_size=0 num_queues=0; do
	name=blk-config-${cfg%%=*}
	run blk "$name" 25 --device-args "$cfg"
	row "$name" "config $cfg"
	case $rc in 0|1|124|125) ;; *) echo "FAIL: $name: guest harness error $rc"; fail=1 ;; esac
done

# Linux's virtio_net against `serve --device net`, whose host end answers
# ARP and ping for 10.0.2.2 (workloads/net-ping.sh): well-formed with split
# and packed rings, then used-ring deviations on the receive queue. With
# IPv6 off in the guest the used entries come ARP reply (receive queue),
# ARP request (transmit queue), echo reply, ...: --hostile-after 2 lands on
# the first echo reply.
net_args=(--device-args loopback=off,responder=10.0.2.2)
for run in net-wellformed net-packed-wellformed; do
	run net $run 120 "${net_args[@]}"
	row $run "as the spec says; the host end answers ARP and ping"
	if [ "$rc" -ne 0 ] || [ "$src" -ne 0 ] ||
	   ! grep -q '^WORKLOAD net-ping PASS' "$out/$run/console.log"; then
		echo "FAIL: well-formed run $run: guest $rc, serve $src"; fail=1
		tail -n 20 "$out/$run/console.log" "$out/$run/serve.log"
	fi
done
for mode in used-len-long used-id-range; do
	name=net-$mode
	run net "$name" 40 "${net_args[@]}" --hostile "$mode" --hostile-after 2
	what=$(sed -n 's/.*"hostile": "\([^"]*\)".*/\1/p' "$out/$name/serve.json")
	case $what in
	"queue 0 "*) ;;
	"") echo "FAIL: $name: the deviation was never applied"; fail=1 ;;
	*) echo "FAIL: $name: the deviation missed the receive queue: $what"; fail=1 ;;
	esac
	row "$name" "$what"
	case $rc in 0|1|124|125) ;; *) echo "FAIL: $name: guest harness error $rc"; fail=1 ;; esac
done
cat "$out/guest-tier.md"
exit $fail
