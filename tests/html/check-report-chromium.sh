#!/bin/sh
# Open the HTML report in headless Chromium (Debian package chromium) and
# check that it loads without console messages, shows the clause coverage
# matrix (one row per catalogued clause) and that its filter works (the page
# applies "#filter=TEXT" from the URL on load).
# usage: check-report-chromium.sh VIRTIOCHECK CASES_DIR OUT_DIR
set -u
bin=$1 cases=$2 out=$3
chromium=$(command -v chromium || command -v chromium-browser) || {
	echo "chromium not installed (scripts/setup.sh installs it)"; exit 1; }
rm -rf "$out" && mkdir -p "$out"
"$bin" run --report-dir "$out" "$cases" >"$out/run.log" 2>&1 || {
	echo "the suite did not pass"; tail -n 20 "$out/run.log"; exit 1; }
html="$out/virtiocheck.html"
clauses=$(grep -c '^  - label:' "$(dirname "$cases")/spec-cases/clauses.yaml" 2>/dev/null ||
	  grep -c '^  - label:' "$cases/clauses.yaml")

dump() { # $1: URL fragment, $2: output file
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$out/profile" --enable-logging=stderr --v=0 \
		--virtual-time-budget=3000 --dump-dom "file://$(realpath "$html")$1" \
		>"$2" 2>"$2.log"
}

dump "" "$out/dom.html" || { echo "chromium failed"; tail "$out/dom.html.log"; exit 1; }
if grep -q 'CONSOLE' "$out/dom.html.log"; then
	echo "console messages while loading the report:"; grep 'CONSOLE' "$out/dom.html.log"; exit 1
fi
grep -q '<table id="coverage">' "$out/dom.html" || { echo "no coverage matrix"; exit 1; }
rows=$(grep -o 'data-state="[a-z]*"' "$out/dom.html" | wc -l)
passing=$(grep -o 'data-state="pass"' "$out/dom.html" | wc -l)
if [ "$rows" -ne "$clauses" ] || [ "$passing" -lt 1 ]; then
	echo "coverage matrix has $rows rows ($passing passing); the catalogue has $clauses"; exit 1
fi
dump "#filter=pass" "$out/dom-filtered.html" || { echo "chromium failed"; exit 1; }
hidden=$(grep -o 'data-state="[a-z]*" style="display: none;"' "$out/dom-filtered.html" | wc -l)
if [ "$hidden" -ne $((rows - passing)) ] || grep -q 'CONSOLE' "$out/dom-filtered.html.log"; then
	echo "filter 'pass' hid $hidden rows; expected $((rows - passing))"; exit 1
fi
echo "report OK in Chromium: $rows clause rows, $passing passing, filter hides $hidden, no console messages"
