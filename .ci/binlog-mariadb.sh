#!/usr/bin/env bash
# Starts a second MariaDB with binary logging on 127.0.0.1:${MYSQL_BINLOG_PORT:-3307} (the point-in-time
# restore drill needs binlogs; the machine's server on 3306 has none). Idempotent: does nothing when
# something already answers on that port. Data lives in a temp directory; root has no password.
set -euo pipefail
port="${MYSQL_BINLOG_PORT:-3307}"
dir="${MYSQL_BINLOG_DIR:-/tmp/mariadb-binlog-$port}"
if mariadb-admin --host=127.0.0.1 --port="$port" --user=root ping >/dev/null 2>&1; then
  exit 0
fi
if [ ! -d "$dir/data/mysql" ]; then
  mkdir -p "$dir"
  mariadb-install-db --no-defaults --auth-root-authentication-method=normal --skip-test-db \
    --datadir="$dir/data" --user="$(id -un)" >"$dir/install.log" 2>&1
fi
# --no-defaults: the system my.cnf belongs to the 3306 server (its socket, pid file and port).
nohup mariadbd --no-defaults --user="$(id -un)" --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
  --socket="$dir/mariadbd.sock" --pid-file="$dir/mariadbd.pid" --log-bin="$dir/data/binlog" --binlog-format=ROW \
  --server-id=2 --log-error="$dir/error.log" >/dev/null 2>&1 &
for _ in $(seq 1 60); do
  mariadb-admin --host=127.0.0.1 --port="$port" --user=root ping >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "MariaDB with binary logging did not start on port $port; see $dir/error.log" >&2
exit 1
