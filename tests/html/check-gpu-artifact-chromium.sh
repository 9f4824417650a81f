#!/bin/sh
# The gpu scanout artifact in the HTML report, in headless Chromium: run the
# gpu cases into a report directory, then load the report inside a checking
# page (same directory) that finds every <img class="artifact"> of the
# report, checks that it loaded (naturalWidth > 0) and reads pixels of the
# gpu.device.fb.render snapshot back through a canvas: they must be the
# colours the case painted.
# usage: check-gpu-artifact-chromium.sh VIRTIOCHECK GPU_CASES_DIR OUT_DIR
set -u
bin=$1 cases=$2 out=$3
chromium=$(command -v chromium || command -v chromium-browser) || {
	echo "chromium not installed (scripts/setup.sh installs it)"; exit 1; }
rm -rf "$out" && mkdir -p "$out"
"$bin" run --report-dir "$out" "$cases" >"$out/run.log" 2>&1 || {
	echo "the gpu cases did not pass"; tail -n 20 "$out/run.log"; exit 1; }
ls "$out"/artifacts/*.png >/dev/null 2>&1 || { echo "no artifacts written"; exit 1; }
grep -q '"artifact": "artifacts/gpu.device.fb.render-' "$out/virtiocheck.json" ||
	{ echo "the JSON report names no artifact"; exit 1; }

cat >"$out/check.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>artifact check</title></head>
<body><iframe id="r" src="virtiocheck.html" width="800" height="600"></iframe>
<pre id="out">PENDING</pre>
<script>
function px(img, x, y) {
  var c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  var g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  var d = g.getImageData(x, y, 1, 1).data;
  return ((d[0] << 24) >>> 0) + (d[1] << 16) + (d[2] << 8) + d[3];
}
function hex(v) { return ('00000000' + v.toString(16)).slice(-8); }
function check() {
  var doc = document.getElementById('r').contentDocument;
  var imgs = doc.querySelectorAll('img.artifact');
  var lines = [], bad = 0, fb = 0;
  if (imgs.length === 0) { bad++; lines.push('no img.artifact in the report'); }
  for (var i = 0; i < imgs.length; i++) {
    var im = imgs[i], src = im.getAttribute('src');
    if (!im.complete || im.naturalWidth === 0) { bad++; lines.push('not loaded: ' + src); continue; }
    lines.push('loaded ' + src + ' ' + im.naturalWidth + 'x' + im.naturalHeight);
    if (src.indexOf('gpu.device.fb.render-') < 0) continue;
    fb++;
    var want = [[0, 0, 0x2040c0ff], [8, 8, 0xff8000ff], [31, 23, 0xff8000ff],
                [32, 23, 0x2040c0ff], [40, 24, 0x00ff00ff], [63, 47, 0x2040c0ff]];
    if (im.naturalWidth !== 64 || im.naturalHeight !== 48) { bad++; lines.push('size'); }
    for (var k = 0; k < want.length; k++) {
      var got = px(im, want[k][0], want[k][1]);
      if (got !== want[k][2]) {
        bad++;
        lines.push('pixel ' + want[k][0] + ',' + want[k][1] + ': ' + hex(got) + ' want ' + hex(want[k][2]));
      }
    }
  }
  if (fb === 0) { bad++; lines.push('no gpu.device.fb.render snapshot'); }
  document.getElementById('out').textContent =
    (bad ? 'ARTIFACT-CHECK-FAILED ' : 'ARTIFACT-CHECK-OK ') + fb + '\n' + lines.join('\n');
}
window.addEventListener('load', function () { setTimeout(check, 200); });
</script></body></html>
HTML

timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
	--no-first-run --disable-background-networking --disable-component-update \
	--disable-sync --allow-file-access-from-files --user-data-dir="$out/profile" \
	--enable-logging=stderr --v=0 --virtual-time-budget=5000 \
	--dump-dom "file://$(realpath "$out/check.html")" >"$out/dom.html" 2>"$out/dom.log" || {
	echo "chromium failed"; tail "$out/dom.log"; exit 1; }
if ! grep -q 'ARTIFACT-CHECK-OK' "$out/dom.html"; then
	echo "artifact check failed:"; sed -n '/<pre id="out">/,/<\/pre>/p' "$out/dom.html"
	grep 'CONSOLE' "$out/dom.log"; exit 1
fi
sed -n 's/.*\(ARTIFACT-CHECK-OK [0-9]*\).*/\1/p' "$out/dom.html" | head -1
echo "gpu artifacts load in Chromium and show the painted colours"
