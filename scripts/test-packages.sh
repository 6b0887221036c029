#!/usr/bin/env bash
# Installs the OS packages the tests need: Chromium and its WebDriver, for the chat page's browser test.
# Idempotent: does nothing when both binaries are present. run-tests calls it before Maven.
set -euo pipefail

packages=(chromium chromium-driver)
binaries=(/usr/bin/chromium /usr/bin/chromedriver)

missing=()
for binary in "${binaries[@]}"; do
    [ -x "$binary" ] || missing+=("$binary")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

install="apt-get update && apt-get install -y --no-install-recommends ${packages[*]}"
echo "test-packages: missing ${missing[*]}, needed by the chat page's browser test" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "test-packages: no apt-get here; install Chromium and ChromeDriver as ${binaries[*]} by hand." >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "test-packages: not root, so not installing; run as root: $install" >&2
    exit 1
fi

echo "test-packages: installing ${packages[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"
for binary in "${binaries[@]}"; do
    if [ ! -x "$binary" ]; then
        echo "test-packages: apt-get installed ${packages[*]} but $binary is still missing" >&2
        exit 1
    fi
done
echo "test-packages: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)" >&2
