#!/usr/bin/env bash
# Installs what the test suite needs beyond Rust, only when it is missing:
# headless Chromium (Debian's `chromium`) for the HTML report's browser tests
# (tests/html.rs), and PyYAML (Debian's `python3-yaml`) for the tests of the
# GitHub YAML (lab/tests/workflows.rs).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
python3 -c 'import yaml' >/dev/null 2>&1 || missing+=(python3-yaml)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "ensure-chromium: installing Debian's ${missing[*]} for the tests" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q "${missing[@]}"
command -v chromium >/dev/null
