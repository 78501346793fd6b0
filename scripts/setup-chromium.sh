#!/usr/bin/env bash
# setup-chromium.sh: installs Debian's chromium, the headless browser that `relnet serve`'s
# browser test (cmd/relnet/serve_test.go, TestServeInBrowser) drives through chromedp.
# Idempotent: when chromium is there it only prints "ready". `make test` calls it before `go
# test`. Not root and Chromium missing: it says so and exits 0, and the test skips saying the
# same (except under CI=true, where it fails); as root, a failed install fails `make test`
# with apt's last lines.
set -euo pipefail

die() { echo "setup-chromium: $*" >&2; exit 1; }
say() { echo "setup-chromium: $*" >&2; }

if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    say "chromium is missing and only root can install it (sudo apt-get install chromium); TestServeInBrowser skips until then"
    exit 0
  fi
  command -v apt-get >/dev/null || die "chromium is missing and there is no apt-get: install Chromium with this system's package manager"
  say "installing Debian's chromium (for TestServeInBrowser)"
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  start=$SECONDS
  install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >>"$log" 2>&1; }
  if ! { install || { apt-get update -q >>"$log" 2>&1 && install; }; }; then
    echo "setup-chromium: could not install chromium; apt said:" >&2
    tail -n 15 "$log" >&2
    die "install it as root with: apt-get update && apt-get install chromium"
  fi
  command -v chromium >/dev/null || die "chromium was installed but is not on PATH"
  say "installed chromium $(dpkg-query -W -f '${Version}' chromium) in $((SECONDS - start)) s"
fi
say "ready: $(chromium --version 2>/dev/null || echo chromium)"
