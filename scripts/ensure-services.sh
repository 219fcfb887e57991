#!/usr/bin/env bash
# Tests use the machine's PostgreSQL (5432), Redis (6379) and NATS with JetStream (4222).
# Start any that is down, the way this machine's image starts them.
set -uo pipefail
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_up() { for _ in $(seq 1 50); do up "$1" && return 0; sleep 0.2; done; echo "$2 did not start on port $1" >&2; return 1; }
if ! up 5432 && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start; wait_up 5432 PostgreSQL
fi
if ! up 6379 && command -v redis-server >/dev/null; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log; wait_up 6379 Redis
fi
if ! up 4222 && [ -x /usr/sbin/nats-server ]; then
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log; wait_up 4222 NATS
fi
for port in 5432 6379 4222; do up "$port" || { echo "nothing answers on 127.0.0.1:$port" >&2; exit 1; }; done
