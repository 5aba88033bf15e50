#!/usr/bin/env bash
# Opens a report page in headless Chromium and fails if any chart does not load or the page
# reports a script or console error; saves a screenshot beside the page.
#
#   scripts/check-report.sh [reports/index.html] [screenshot.png]
#
# The page records its own problems (failed images, script errors, console.error) into
# #cb-status; Chromium's --dump-dom gives the DOM after the load event, and its console log
# (--enable-logging=stderr) must be empty, since the report never writes to the console. Installs Debian's chromium when it is missing.
# A single-file page (`render --single-file`, `compare --single-file`: every chart an
# <img src="data:image/svg+xml;base64,...">) is held to one more rule: nothing in it may
# point at another file (a src that is not a data: URI, an href that is not an #anchor).
set -euo pipefail

page="${1:-reports/index.html}"
shot="${2:-${page%.html}.png}"
[[ -f "$page" ]] || { echo "error: $page: not found (run cargo bench first)" >&2; exit 1; }

browser="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$browser" ]]; then
  echo "installing chromium (Debian package)..." >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null \
    || { echo "error: chromium: missing and could not be installed" >&2; exit 1; }
  browser="$(command -v chromium)"
fi

profile="$(mktemp -d)"
out="$(mktemp -d)"
trap 'rm -rf "$profile" "$out"' EXIT
url="file://$(realpath "$page")"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$profile" --enable-logging=stderr --v=0 --virtual-time-budget=10000)

# Every wait is bounded: a browser that hangs fails the check instead of the CI run.
timeout 120 "$browser" "${flags[@]}" --dump-dom "$url" >"$out/dom.html" 2>"$out/log.txt" \
  || { echo "error: $page: chromium failed (see its log below)" >&2; tail -20 "$out/log.txt" >&2; exit 1; }

status="$(grep -o 'id="cb-status"[^>]*' "$out/dom.html" | grep -o 'data-status="[^"]*"' || true)"
problems="$(sed -n 's/.*id="cb-status"[^>]*>\([^<]*\)<.*/\1/p' "$out/dom.html")"
# Chromium logs every console message at one level; the report never writes to the console,
# so any message at all is a problem.
console="$(grep -E ':CONSOLE[:(]' "$out/log.txt" || true)"
images="$(grep -o '<img ' "$out/dom.html" | wc -l)"
inline="$({ grep -o 'src="data:image/svg+xml' "$out/dom.html" || true; } | wc -l)"

fail=0
case "$status" in
  'data-status="ok: '*) ;;
  *) echo "error: $page: ${problems:-the page did not finish loading ($status)}" >&2; fail=1 ;;
esac
if [[ -n "$console" ]]; then
  echo "error: $page: console errors:" >&2
  echo "$console" >&2
  fail=1
fi
if [[ "$images" -eq 0 ]]; then
  echo "error: $page: shows no charts" >&2
  fail=1
fi
kind="from its chart folder"
if [[ "$images" -gt 0 && "$inline" -eq "$images" ]]; then
  kind="inline, one file"
  outside="$(grep -oE '(src|href)="[^"]*"' "$out/dom.html" | grep -vE '^(src="data:|href="#)' || true)"
  if [[ -n "$outside" ]]; then
    echo "error: $page: a single-file page that points at other files:" >&2
    echo "$outside" | sort -u | head -10 >&2
    fail=1
  fi
fi

# Headless Chromium on this VM now and then crashes (SIGSEGV) while taking a tall screenshot,
# after the page itself checked out above; a crash is retried, a page problem is not.
shot_ok=0
for attempt in 1 2 3; do
  rm -rf "$profile"/*
  if timeout 120 "$browser" "${flags[@]}" --hide-scrollbars --window-size=1280,2400 \
    --screenshot="$(realpath -m "$shot")" "$url" >/dev/null 2>&1; then
    shot_ok=1
    break
  fi
  echo "warning: $page: chromium failed taking the screenshot (attempt $attempt of 3)" >&2
done
[[ "$shot_ok" -eq 1 ]] || { echo "error: $page: the screenshot failed" >&2; fail=1; }

[[ "$fail" -eq 0 ]] && echo "ok: $page: $images charts loaded ($kind), no console errors; screenshot $shot"
exit "$fail"
