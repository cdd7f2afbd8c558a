#!/usr/bin/env bash
# Looks at a record (jiaoying report --format html) as a duty room will: a screenshot of its first
# page and the A4 PDF it prints to, both made by headless Chromium (Debian: apt-get install
# chromium fonts-wqy-microhei). Usage: record-in-chromium.sh RECORD.html [OUT_DIR]
set -euo pipefail
html=$(realpath "$1")
out=${2:-$(dirname "$html")}
command -v chromium >/dev/null || { echo "chromium is not installed: apt-get install chromium fonts-wqy-microhei" >&2; exit 2; }
mkdir -p "$out"
base="$out/$(basename "${html%.html}")"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-pdf-header-footer)
chromium "${flags[@]}" --window-size=1240,1754 --screenshot="$base.png" "file://$html" 2>/dev/null
chromium "${flags[@]}" --print-to-pdf="$base.pdf" "file://$html" 2>/dev/null
pages=$(grep -c "/Type /Page$\|/Type /Page\b" "$base.pdf" 2>/dev/null || true)
echo "screenshot $base.png ($(stat -c %s "$base.png") bytes), PDF $base.pdf ($(stat -c %s "$base.pdf") bytes${pages:+, about $pages page(s)})"
