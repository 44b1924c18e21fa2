#!/usr/bin/env bash
# Debian packages the project's tests and real-data paths use; installs only what is missing.
#   dataset-fashion-mnist  real Fashion-MNIST in IDX format (the data set loader reads it offline)
#   chromium, fonts        headless browser for webview and end-to-end tests (no browser download)
#   ripgrep, libkrb5-dev   needed by code-server (a real VS Code workbench for integration tests)
#   g++, make, python3     node-gyp builds of native addons (tfjs-node, code-server's addons)
set -euo pipefail
want=(dataset-fashion-mnist chromium fonts-dejavu-core ripgrep libkrb5-dev g++ make python3 python3-pip)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "system-deps: all present"; exit 0; fi
echo "system-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
