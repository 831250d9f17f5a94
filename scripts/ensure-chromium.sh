#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver for the console's browser test
# (crates/server/tests/integration/console_browser.rs), if they are missing.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: the browser test needs Chromium: sudo apt-get install chromium chromium-driver" >&2
  exit 1
fi
echo "installing Chromium and ChromeDriver from Debian's packages (browser test)" >&2
install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null; }
# A stale package list names versions the mirror no longer has: refresh it once and retry.
install || { apt-get update -q >/dev/null && install; } \
  || { echo "error: apt-get install chromium chromium-driver failed" >&2; exit 1; }
