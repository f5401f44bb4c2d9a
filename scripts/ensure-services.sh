#!/usr/bin/env bash
# Makes sure the services the test suite talks to are running on this machine, starting any
# that are down with the commands of this project's machines: PostgreSQL 5432, Redis 6379,
# NATS with JetStream 4222. Exits non-zero naming the service that cannot be brought up.
set -uo pipefail

wait_for() { # name, check command
  local name=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then echo "  $name: up"; return 0; fi
    sleep 0.5
  done
  echo "  $name: NOT reachable" >&2
  return 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }
nats_up() { port_open 4222; }

failed=0
if ! pg_up; then
  echo "  postgresql: starting"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
fi
wait_for postgresql pg_up || failed=1

if ! redis_up; then
  echo "  redis: starting"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
wait_for redis redis_up || failed=1

if ! nats_up; then
  echo "  nats: starting"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
fi
wait_for nats nats_up || failed=1

exit $failed
