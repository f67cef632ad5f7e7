#!/usr/bin/env bash
# One-time setup on a fresh Debian/Ubuntu machine: the sandbox tool, Chromium, PyTorch and kubectl from Debian and the npm
# packages (which bring Node 24 itself). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
command -v prlimit >/dev/null 2>&1 || need_apt+=(util-linux)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v ps >/dev/null 2>&1 || need_apt+=(procps)
# The browser extension's tests drive Debian's Chromium with playwright-core.
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# `kubectl kustomize` renders deploy/kubernetes offline (test/deploy/kustomize.test.ts). Only when
# no kubectl is on PATH: Debian's kubernetes-client (kubectl 1.20, its kustomize v2 renders the base)
# installs /usr/bin/kubectl and may conflict with a kubectl installed another way (e.g. a `kubectl`
# package from another apt repository), so an existing one is left alone.
command -v kubectl >/dev/null 2>&1 || need_apt+=(kubernetes-client)
# The PyTorch trainer (torch-mlp) runs on Debian's CPU PyTorch in the sandbox; functorch comes with it.
/usr/bin/python3 -c 'import torch, functorch' >/dev/null 2>&1 || need_apt+=(python3-torch)
if ((${#need_apt[@]})); then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "setup: installing ${need_apt[*]} from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

echo "setup: installing npm packages (brings Node 24)"
npm ci --no-audit --no-fund --loglevel=error
echo "setup: done ($(node_modules/.bin/node --version), $(bwrap --version), kubectl $(kubectl version --client 2>/dev/null | head -1))"
