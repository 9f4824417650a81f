#!/usr/bin/env bash
# Fuzz campaign: run each libFuzzer target in fork mode for SECONDS, merge the
# new inputs into corpus/<target> (merge only adds, nothing is deleted),
# deduplicate crashes/timeouts/ooms by stack, minimize one input per stack and
# write a summary (summary.md, summary.json, coverage.svg).
#
# usage: fuzz/campaign.sh --time SECONDS --jobs N [--out DIR] [--corpus-root DIR]
#                         [--build-dir DIR] [--no-build] [TARGET...]
#
#   --time SECONDS     libFuzzer -max_total_time per target (required)
#   --jobs N           libFuzzer -fork=N (required)
#   --out DIR          campaign directory (default reports/fuzz/<UTC timestamp>/)
#   --corpus-root DIR  seed corpora, DIR/<target>/, read while fuzzing and merged
#                      into afterwards (default corpus/)
#   --build-dir DIR    where the fuzz binaries are, DIR/fuzz/<target>; anything but
#                      the default build/fuzz is used as is, without building
#   --no-build         do not configure or build the fuzz preset
#   TARGET...          default: all four targets
#
# Layout of DIR:
#   <target>/fuzz.log merge.log stats.tsv   libFuzzer logs, parsed periodic lines
#   <target>/new/                           scratch corpus (new inputs of the run)
#   <target>/artifacts/                     libFuzzer -artifact_prefix
#   crashes/<key-hash>/                     key.txt, every original input with that
#                                           key, minimized-<input>, replay logs
#   summary.md summary.json coverage.svg
#
# Exit status: 0 campaign done without findings, 2 done with findings, 1 error.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root=$PWD
mapfile -t all_targets < <(fuzz/targets.sh)

usage() { sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"; exit "${1:-1}"; }
die() { echo "campaign: $*" >&2; exit 1; }
abspath() { mkdir -p "$1" && (cd "$1" && pwd); }

secs='' jobs='' out='' corpus_root=corpus build_dir=build/fuzz build=1 targets=()
while [ $# -gt 0 ]; do
	case "$1" in
	--time) secs=${2:-}; shift 2 || usage ;;
	--jobs) jobs=${2:-}; shift 2 || usage ;;
	--out) out=${2:-}; shift 2 || usage ;;
	--corpus-root) corpus_root=${2:-}; shift 2 || usage ;;
	--build-dir) build_dir=${2:-}; shift 2 || usage ;;
	--no-build) build=0; shift ;;
	-h|--help) usage 0 ;;
	-*) echo "campaign: unknown option $1" >&2; usage ;;
	*) targets+=("$1"); shift ;;
	esac
done
[[ "$secs" =~ ^[0-9]+$ && "$secs" -gt 0 ]] || die "--time SECONDS (a positive integer) is required"
[[ "$jobs" =~ ^[0-9]+$ && "$jobs" -gt 0 ]] || die "--jobs N (a positive integer) is required"
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
	printf '%s\n' "${all_targets[@]}" | grep -qx "$t" || die "unknown target $t"
done
[ -n "$out" ] || out=reports/fuzz/$(date -u +%Y%m%dT%H%M%SZ)
out=$(abspath "$out") || die "cannot create $out"
[ -d "$corpus_root" ] || die "no corpus root $corpus_root"
corpus_root=$(cd "$corpus_root" && pwd)

# build the fuzz preset if needed (ninja makes this a no-op when up to date)
if [ "$build" = 1 ] && [ "$build_dir" = build/fuzz ]; then
	if [ ! -f build/fuzz/build.ninja ]; then
		cmake --preset fuzz >"$out/build.log" 2>&1 || { tail -20 "$out/build.log"; die "configure failed"; }
	fi
	cmake --build --preset fuzz >>"$out/build.log" 2>&1 || { tail -20 "$out/build.log"; die "build failed"; }
fi
build_dir=$(cd "$build_dir" 2>/dev/null && pwd) || die "no build directory $build_dir"
for t in "${targets[@]}"; do
	[ -x "$build_dir/fuzz/$t" ] || die "no fuzz binary $build_dir/fuzz/$t"
done

# -max_len/-timeout etc. from fuzz/<target>.options ([libfuzzer] key = value)
options() {
	[ -f "fuzz/$1.options" ] || return 0
	awk -F'=' '/^\[/ { sec = $0; next } sec == "[libfuzzer]" && NF == 2 {
		k = $1; v = $2; gsub(/[ \t\r]/, "", k); gsub(/^[ \t]+|[ \t\r]+$/, "", v)
		if (k != "dict") print "-" k "=" v }' "fuzz/$1.options"
}
timeout_of() { local o; o=$(options "$1" | sed -n 's/^-timeout=//p'); echo "${o:-10}"; }
count() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l | tr -d ' '; }
json_str() { printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
md_cell() { printf '%s' "$1" | sed 's/|/\\|/g; s/`/'"'"'/g'; }
hash_of() { printf '%s' "$1" | sha1sum | cut -c1-12; }

# Replay INPUT with BIN into LOG and print its dedup key (empty: did not reproduce):
# the ORACLE FAILURE clause and file:line, or the sanitizer error kind with the
# first three frames outside the sanitizer/libFuzzer runtime.
replay_key() {
	local bin=$1 input=$2 log=$3 to=$4
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=${ASAN_OPTIONS:-} \
		timeout $((to * 3 + 30)) "$bin" -timeout="$to" "$input" >"$log" 2>&1
	awk '
	# paths shortened to their last two parts, so keys do not depend on the checkout
	function short(s,   w, n, i, p, m, r) { n = split(s, w, " "); r = ""
		for (i = 1; i <= n; i++) { m = split(w[i], p, "/"); if (m > 2) w[i] = p[m - 1] "/" p[m]; r = r (i > 1 ? " " : "") w[i] }
		return r }
	function strip(f) {
		sub(/^ *#[0-9]+ 0x[0-9a-f]+ in /, "", f); f = short(f)
		sub(/:[0-9]+$/, "", f) # column: f is "func file:line:col"
		return f
	}
	function noise(f) {
		return f ~ /^(__sanitizer|__asan|__ubsan|__lsan|__interceptor|fuzzer::|abort|raise|gsignal|__GI_|__libc|__pthread|pthread_kill|_start|main )/ ||
			f ~ /(compiler-rt|libc\.so|libFuzzer|FuzzerLoop|FuzzerDriver)/
	}
	oracle == "" && match($0, /ORACLE FAILURE \[[^]]*\] [^ :]+:[0-9]+/) {
		oracle = short(substr($0, RSTART, RLENGTH))
	}
	kind == "" && /runtime error:/ {
		loc = $0; sub(/: runtime error:.*/, "", loc); loc = short(loc)
		msg = $0; sub(/.*runtime error: /, "", msg); sub(/[:0-9].*/, "", msg); sub(/ +$/, "", msg)
		kind = "ubsan " msg " at " loc; instack = 1; next
	}
	kind == "" && match($0, /ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer|MemorySanitizer): [A-Za-z_-]+/) {
		kind = substr($0, RSTART + 7, RLENGTH - 7); instack = 1; next
	}
	instack && /^ *#[0-9]+ 0x/ { f = strip($0); if (!noise(f) && n < 3) frames[n++] = f; next }
	instack && n > 0 && /^ *$/ { instack = 0 }
	END {
		if (oracle != "") { print oracle; exit }
		if (kind == "") exit
		k = kind; for (i = 0; i < n; i++) {
			# a timeout stops anywhere in the loop: key it by function and file only
			if (kind ~ /timeout/) sub(/:[0-9]+$/, "", frames[i])
			k = k (i ? " ; " : " | ") frames[i]
		}
		print k
	}' "$log"
}

# Periodic libFuzzer lines -> time execs cov ft corp execs_per_s (tab separated).
# Fork mode prints "time: Ns"; without it time is estimated from execs / exec/s.
parse_stats() {
	awk 'BEGIN { OFS = "\t" }
	/^#[0-9]+/ && / cov: / {
		execs = $1; gsub(/[#:]/, "", execs); t = ""; eps = 0; cov = ft = corp = ""
		for (i = 2; i < NF; i++) {
			if ($i == "cov:") cov = $(i + 1)
			else if ($i == "ft:") ft = $(i + 1)
			else if ($i == "corp:") { corp = $(i + 1); sub(/\/.*/, "", corp) }
			else if ($i == "exec/s" || $i == "exec/s:") eps = $(i + 1)
			else if ($i == "time:") { t = $(i + 1); sub(/s$/, "", t) }
		}
		if (t == "") t = eps > 0 ? sprintf("%.1f", execs / eps) : 0
		print t, execs, cov, ft + 0, corp + 0, eps + 0
	}' "$1"
}

findings=0
declare -A T_RC T_WALL T_BEFORE T_AFTER T_NEW T_ART T_MERGE_RC
: >"$out/crashes.tsv" # target hash kind-of-artifact inputs minimized same-key key
for t in "${targets[@]}"; do
	bin=$build_dir/fuzz/$t
	d=$out/$t
	mkdir -p "$d/new" "$d/artifacts"
	mkdir -p "$corpus_root/$t"
	to=$(timeout_of "$t")
	mapfile -t opts < <(options "$t")
	dict=()
	[ -f "fuzz/$t.dict" ] && dict=(-dict="$root/fuzz/$t.dict")
	T_BEFORE[$t]=$(count "$corpus_root/$t")
	echo "== $t: fuzzing ${secs}s with -fork=$jobs (corpus ${T_BEFORE[$t]} files)"
	start=$(date +%s)
	# new inputs go to the scratch dir d/new (first dir); the seed corpus is only read
	(cd "$d" && "$bin" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-max_total_time="$secs" "${opts[@]}" "${dict[@]}" -artifact_prefix="$d/artifacts/" \
		-print_final_stats=1 "$d/new" "$corpus_root/$t" >"$d/fuzz.log" 2>&1)
	T_RC[$t]=$?
	T_WALL[$t]=$(($(date +%s) - start))
	parse_stats "$d/fuzz.log" >"$d/stats.tsv"
	T_NEW[$t]=$(count "$d/new")

	# merge: adds to corpus_root/t the new inputs with new coverage, deletes nothing
	echo "== $t: merging ${T_NEW[$t]} new inputs into $corpus_root/$t"
	mkdir -p "$d/merge-artifacts"
	(cd "$d" && "$bin" -merge=1 "${opts[@]}" -artifact_prefix="$d/merge-artifacts/" \
		"$corpus_root/$t" "$d/new" >"$d/merge.log" 2>&1)
	T_MERGE_RC[$t]=$?
	T_AFTER[$t]=$(count "$corpus_root/$t")

	# crashes: replay, key by stack, keep every original, minimize one per key
	declare -A seen=() names=()
	n_art=0
	for a in "$d"/artifacts/* "$d"/merge-artifacts/*; do
		[ -f "$a" ] || continue
		name=$(basename "$a")
		case "$name" in crash-*|timeout-*|oom-*|leak-*|slow-unit-*) ;; *) continue ;; esac
		[ -z "${names[$name]:-}" ] || continue # same name, same content (merge re-finds it)
		names[$name]=1
		n_art=$((n_art + 1))
		key=$(replay_key "$bin" "$a" "$d/replay.tmp" "$to")
		[ -n "$key" ] || key="${name%%-*}: not reproduced: $(sha1sum <"$a" | cut -c1-12)"
		h=$(hash_of "$t $key")
		c=$out/crashes/$h
		mkdir -p "$c"
		cp -p "$a" "$c/$name"
		mv "$d/replay.tmp" "$c/replay-$name.log"
		if [ -z "${seen[$h]:-}" ]; then
			printf '%s\n%s\n' "$t" "$key" >"$c/key.txt"
			seen[$h]=$name
		fi
	done
	for h in "${!seen[@]}"; do
		c=$out/crashes/$h
		key=$(sed -n 2p "$c/key.txt")
		kinds=$(cd "$c" && ls | grep -vE '^(key\.txt|replay-|minimi)' | sed 's/-.*//' | sort -u | paste -sd, -)
		inputs=$(cd "$c" && ls | grep -vcE '^(key\.txt|replay-|minimi)')
		# the smallest original is the one minimized
		small=$(cd "$c" && ls -S | grep -vE '^(key\.txt|replay-|minimi)' | tail -1)
		minimized=no same=no
		case "$key" in *"not reproduced"*) ;; *)
			echo "== $t: minimizing $small ($key)"
			(cd "$c" && "$bin" -minimize_crash=1 -max_total_time=30 -timeout="$to" "${opts[@]}" \
				-exact_artifact_path="$c/minimized-$small" "$c/$small" >"$c/minimize.log" 2>&1)
			if [ -s "$c/minimized-$small" ]; then
				minimized=yes
				mkey=$(replay_key "$bin" "$c/minimized-$small" "$c/replay-minimized-$small.log" "$to")
				[ "$mkey" = "$key" ] && same=yes
				printf '%s\n' "$mkey" >"$c/minimized-key.txt"
			fi ;;
		esac
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$h" "$kinds" "$inputs" "$minimized" "$same" "$key" >>"$out/crashes.tsv"
		findings=1
	done
	unset seen names
	T_ART[$t]=$n_art
done

# ---- summary ---------------------------------------------------------------
last() { tail -1 "$1/stats.tsv" 2>/dev/null | cut -f"$2"; }
secs_of() { local s; s=$(last "$1" 1); s=${s%.*}; [ -n "$s" ] && [ "$s" -gt 0 ] && echo "$s" || echo "${T_WALL[$2]}"; }

{
	echo "# Fuzz campaign $(basename "$out")"
	echo
	echo "- date (UTC): $(date -u +%Y-%m-%dT%H:%M:%SZ); commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (dirty)')"
	echo "- --time $secs --jobs $jobs; corpus root: \`$corpus_root\`; binaries: \`$build_dir/fuzz\`"
	echo
	echo "| target | exit | time s | total execs | exec/s | cov | ft | new inputs | corpus before | corpus after merge | artifacts | crash keys |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for t in "${targets[@]}"; do
		d=$out/$t s=$(secs_of "$d" "$t") execs=$(last "$d" 2)
		execs=${execs:-0}
		keys=$(awk -F'\t' -v t="$t" '$1 == t' "$out/crashes.tsv" | wc -l)
		echo "| $t | ${T_RC[$t]} | $s | $execs | $((execs / (s > 0 ? s : 1))) | $(last "$d" 3) | $(last "$d" 4) | ${T_NEW[$t]} | ${T_BEFORE[$t]} | ${T_AFTER[$t]} | ${T_ART[$t]} | $keys |"
	done
	echo
	echo "exec/s is total execs over fuzzing time, across all $jobs jobs. cov/ft are the last periodic values."
	echo
	echo "## Coverage over time"
	echo
	echo "![cov over time](coverage.svg)"
	echo
	for t in "${targets[@]}"; do
		echo "- $t (time s: cov/ft): $(awk -F'\t' '{ printf "%s%s: %s/%s", (NR > 1 ? ", " : ""), $1, $3, $4 }' "$out/$t/stats.tsv")"
	done
	echo
	echo "## Crashes (deduplicated by stack)"
	echo
	if [ ! -s "$out/crashes.tsv" ]; then
		echo "None."
	else
		echo "Every original input is kept in its directory; a minimized input whose key differs"
		echo "(\`minimized-key.txt\`) hit another failure while shrinking."
		echo
		echo "| target | dir | kind | inputs | minimized | minimized has same key | key |"
		echo "|---|---|---|---:|---|---|---|"
		while IFS=$'\t' read -r t h kinds inputs min same key; do
			echo "| $t | \`crashes/$h\` | $kinds | $inputs | $min | $same | \`$(md_cell "$key")\` |"
		done <"$out/crashes.tsv"
	fi
	echo
	for t in "${targets[@]}"; do
		[ "${T_MERGE_RC[$t]}" = 0 ] || echo "- WARNING: merge of $t exited ${T_MERGE_RC[$t]}, see \`$t/merge.log\`"
		case "${T_RC[$t]}" in
		0) ;;
		70|77) echo "- $t: fuzzer exit ${T_RC[$t]} is libFuzzer fork mode reporting ignored timeouts (70) or crashes (77)" ;;
		*) echo "- NOTE: $t fuzzer exited ${T_RC[$t]}, see \`$t/fuzz.log\`" ;;
		esac
	done
} >"$out/summary.md"

{
	printf '{\n  "campaign": %s,\n  "date_utc": %s,\n  "commit": %s,\n  "time": %s,\n  "jobs": %s,\n' \
		"$(json_str "$(basename "$out")")" "$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" \
		"$(json_str "$(git rev-parse HEAD 2>/dev/null)")" "$secs" "$jobs"
	printf '  "corpus_root": %s,\n  "build_dir": %s,\n  "targets": [\n' "$(json_str "$corpus_root")" "$(json_str "$build_dir")"
	sep=''
	for t in "${targets[@]}"; do
		d=$out/$t s=$(secs_of "$d" "$t") execs=$(last "$d" 2)
		execs=${execs:-0}
		printf '%s    {\n      "target": %s,\n      "fuzzer_exit": %s,\n      "merge_exit": %s,\n' "$sep" "$(json_str "$t")" "${T_RC[$t]}" "${T_MERGE_RC[$t]}"
		printf '      "seconds": %s,\n      "total_execs": %s,\n      "execs_per_s": %s,\n' "$s" "$execs" "$((execs / (s > 0 ? s : 1)))"
		printf '      "cov": %s,\n      "ft": %s,\n      "new_inputs": %s,\n' "$(last "$d" 3 | grep . || echo null)" "$(last "$d" 4 | grep . || echo null)" "${T_NEW[$t]}"
		printf '      "corpus_before": %s,\n      "corpus_after": %s,\n      "artifacts": %s,\n' "${T_BEFORE[$t]}" "${T_AFTER[$t]}" "${T_ART[$t]}"
		printf '      "crash_keys": ['
		csep=''
		while IFS=$'\t' read -r ct h kinds inputs min same key; do
			[ "$ct" = "$t" ] || continue
			printf '%s\n        {"hash": %s, "dir": %s, "kinds": %s, "inputs": %s, "minimized": %s, "minimized_same_key": %s, "key": %s}' \
				"$csep" "$(json_str "$h")" "$(json_str "crashes/$h")" "$(json_str "$kinds")" "$inputs" \
				"$([ "$min" = yes ] && echo true || echo false)" "$([ "$same" = yes ] && echo true || echo false)" "$(json_str "$key")"
			csep=','
		done <"$out/crashes.tsv"
		[ -n "$csep" ] && printf '\n      '
		printf '],\n      "timeline": ['
		awk -F'\t' '{ printf "%s\n        {\"time\": %s, \"execs\": %s, \"cov\": %s, \"ft\": %s, \"corp\": %s}", (NR > 1 ? "," : ""), $1, $2, $3, $4, $5 }
			END { if (NR) printf "\n      " }' "$d/stats.tsv"
		printf ']\n    }'
		sep=$',\n'
	done
	printf '\n  ]\n}\n'
} >"$out/summary.json"

# coverage.svg: cov over time, one polyline per target, hand-written SVG
for t in "${targets[@]}"; do awk -F'\t' -v t="$t" '{ print t "\t" $1 "\t" $3 }' "$out/$t/stats.tsv"; done |
awk -F'\t' -v title="cov over time: $(basename "$out")" '
BEGIN { W = 760; H = 420; L = 70; R = 200; T = 40; B = 50; split("#1f77b4 #d62728 #2ca02c #9467bd #ff7f0e", col, " ") }
{ if (!($1 in idx)) { idx[$1] = ++nt; name[nt] = $1 }
  k = idx[$1]; n[k]++; x[k, n[k]] = $2 + 0; y[k, n[k]] = $3 + 0
  if ($2 + 0 > xmax) xmax = $2 + 0; if ($3 + 0 > ymax) ymax = $3 + 0 }
function nice(v,   p, m) { if (v <= 0) return 1; p = 1; while (p * 10 <= v) p *= 10
  m = v / p; return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p }
function px(v) { return L + v / xmax * (W - L - R) }
function py(v) { return H - B - v / ymax * (H - T - B) }
END {
  xmax = nice(xmax); ymax = nice(ymax * 1.05)
  printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H
  printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
  printf "<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>\n", L, title
  for (i = 0; i <= 5; i++) {
    xv = xmax * i / 5; yv = ymax * i / 5
    printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", px(xv), T, px(xv), H - B
    printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", px(xv), H - B + 16, xv
    printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", L, py(yv), W - R, py(yv)
    printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", L - 6, py(yv) + 4, yv
  }
  printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, H - B, W - R, H - B
  printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, T, L, H - B
  printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (s)</text>\n", (L + W - R) / 2, H - 12
  printf "<text transform=\"translate(18,%d) rotate(-90)\" text-anchor=\"middle\">cov (edges)</text>\n", (T + H - B) / 2
  for (k = 1; k <= nt; k++) {
    c = col[(k - 1) % 5 + 1]; pts = ""
    for (i = 1; i <= n[k]; i++) pts = pts sprintf("%.1f,%.1f ", px(x[k, i]), py(y[k, i]))
    printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>\n", c, pts
    for (i = 1; i <= n[k]; i++) printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n", px(x[k, i]), py(y[k, i]), c
    ly = T + 10 + (k - 1) * 20
    printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>\n", W - R + 15, ly, W - R + 35, ly, c
    printf "<text x=\"%d\" y=\"%d\">%s (%d)</text>\n", W - R + 40, ly + 4, name[k], y[k, n[k]]
  }
  if (nt == 0) printf "<text x=\"%d\" y=\"%d\">no periodic libFuzzer lines</text>\n", L + 20, T + 40
  print "</svg>"
}' >"$out/coverage.svg"

echo "== campaign done: $out/summary.md"
cat "$out/summary.md"
[ "$findings" = 0 ] || exit 2
exit 0
