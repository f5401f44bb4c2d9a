#!/usr/bin/env bash
# Browser tests drive Debian's Chromium with Playwright; never a downloaded browser.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "  chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
  exit 0
fi
echo "  chromium: installing Debian's package"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
echo "  chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
