#!/usr/bin/env bash
# The load-balancer test runs deploy/compose/nginx.conf in Debian's nginx in front of two api
# processes (apps/server/test/deploy/load-balancer.test.ts); never a downloaded build.
set -euo pipefail
if [ -x /usr/sbin/nginx ]; then
  echo "  nginx: $(/usr/sbin/nginx -v 2>&1)"
  exit 0
fi
echo "  nginx: installing Debian's package"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
# The package starts a server on port 80 with its default site; the test runs its own.
if command -v service >/dev/null 2>&1; then service nginx stop >/dev/null 2>&1 || true; fi
[ -f /run/nginx.pid ] && kill "$(cat /run/nginx.pid)" 2>/dev/null || true
echo "  nginx: $(/usr/sbin/nginx -v 2>&1)"
