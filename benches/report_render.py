#!/usr/bin/env python3
"""How long a browser takes to render a hyperseg report (headless Chromium).

    python3 benches/report_render.py /tmp/bench-report/report.html [--runs 5]

A copy of the page gets one script (and the Content-Security-Policy is dropped from the
copy so it may run) that, after the load event, writes the Navigation Timing and Paint
Timing figures into the page; Chromium dumps the DOM and the figures are read from it.
Printed: the median over the runs of DOMContentLoaded (HTML parsed, SVG in the DOM),
the load event, and the first contentful paint, in milliseconds from navigation start.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile

PROBE = """<script>
addEventListener('load', () => setTimeout(() => {
  const n = performance.getEntriesByType('navigation')[0];
  const p = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
  const figures = {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, fcp: p ? p.startTime : null};
  const out = document.createElement('pre');
  out.id = 'timing';
  out.textContent = JSON.stringify(figures);
  document.body.appendChild(out);
}, 0));
</script>"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--browser", default=shutil.which("chromium") or "chromium")
    args = ap.parse_args()
    html = open(args.page, encoding="utf-8").read()
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    html = html.replace("</body>", PROBE + "</body>")
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "probe.html")
        open(copy, "w", encoding="utf-8").write(html)
        runs = []
        for i in range(args.runs):
            cmd = [args.browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-extensions",
                   "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1200,1000",
                   f"--user-data-dir={tmp}/profile-{i}", "--virtual-time-budget=10000",
                   "--dump-dom", "file://" + copy]
            dom = subprocess.run(cmd, capture_output=True, text=True, timeout=300).stdout
            m = re.search(r'<pre id="timing">(.*?)</pre>', dom)
            if not m:
                raise SystemExit("no timing in the dumped page")
            runs.append(json.loads(m.group(1).replace("&quot;", '"')))
    size = os.path.getsize(args.page)
    def median(key):
        values = [r[key] for r in runs if r[key] is not None]
        return f"{statistics.median(values):.0f} ms" if values else "not reported"
    print(f"{args.page}: {size:,} bytes; median of {len(runs)} runs: DOMContentLoaded {median('dcl')}, "
          f"load {median('load')}, first contentful paint {median('fcp')}")


if __name__ == "__main__":
    main()
