#!/usr/bin/env bash
# Installs headless Chromium (Debian's `chromium`) for the HTML report's
# browser tests (tests/html.rs), only when it is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q chromium
command -v chromium >/dev/null
