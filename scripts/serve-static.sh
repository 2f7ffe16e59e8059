#!/usr/bin/env bash
# Serves a built site (DIST, default dist) under a sub-path (BASE, default /fpt-playground/) with a
# plain static file server (sirv-cli), as a static host would: no Vite, no middleware. The sub-path
# is a symbolic link in .e2e-root/<port>/. Files are read per request (sirv --dev), so files added to
# the site later (a sweep copied in by e2e/comparisons.spec.ts) are served as by any plain host.
# Usage: scripts/serve-static.sh PORT [DIST] [BASE]
set -euo pipefail
cd "$(dirname "$0")/.."
port="$1"; dist="$(realpath "${2:-dist}")"; base="${3:-/fpt-playground/}"
[ -f "$dist/index.html" ] || { echo "serve-static: $dist/index.html is missing: build the site first (npm run build -- --base $base)" >&2; exit 1; }
root=".e2e-root/$port"
rm -rf "$root"
mkdir -p "$root$(dirname "${base%/}")"
if [ "$base" = "/" ]; then root="$dist"; else ln -s "$dist" "$root${base%/}"; fi
exec npx sirv "$root" --dev --etag --host 127.0.0.1 --port "$port" --quiet
