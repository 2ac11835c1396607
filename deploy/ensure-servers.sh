#!/usr/bin/env bash
# Make sure the servers the extranet needs answer on this machine.
#   ensure-servers.sh rabbitmq            RabbitMQ (always needed)
#   ensure-servers.sh rabbitmq-management the management API (tests make a vhost per run)
#   ensure-servers.sh postgresql          PostgreSQL (the tests run every database test on it too)
# A server that is installed but stopped is started; RabbitMQ is installed
# from Debian's packages when missing and we run as root; otherwise the
# script says what to do and fails.
set -euo pipefail

AMQP_HOST=${AMQP_HOST:-127.0.0.1}
AMQP_PORT=${AMQP_PORT:-5672}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}

answers() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

wait_for() {
  local what=$1 host=$2 port=$3
  for _ in $(seq 1 60); do
    answers "$host" "$port" && return 0
    sleep 1
  done
  echo "$what did not start answering on $host:$port within a minute." >&2
  return 1
}

ensure_rabbitmq() {
  answers "$AMQP_HOST" "$AMQP_PORT" && return 0
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Installing RabbitMQ from Debian's packages..."
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q rabbitmq-server >/dev/null
    else
      cat >&2 <<MSG
RabbitMQ does not answer on $AMQP_HOST:$AMQP_PORT and is not installed.
Install it (Debian/Ubuntu: sudo apt-get install rabbitmq-server) and start it
(sudo rabbitmq-server -detached), or point AMQP_URI at a running broker.
MSG
      exit 1
    fi
  fi
  echo "Starting RabbitMQ..."
  rabbitmq-server -detached >/dev/null 2>&1 || true
  wait_for RabbitMQ "$AMQP_HOST" "$AMQP_PORT"
  rabbitmqctl await_startup >/dev/null 2>&1 || true
}

ensure_management() {
  answers "$AMQP_HOST" 15672 && return 0
  rabbitmq-plugins enable rabbitmq_management >/dev/null
  wait_for "RabbitMQ management" "$AMQP_HOST" 15672
}

ensure_postgresql() {
  answers "$PG_HOST" "$PG_PORT" && return 0
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "Starting PostgreSQL..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    wait_for PostgreSQL "$PG_HOST" "$PG_PORT"
    return 0
  fi
  echo "PostgreSQL does not answer on $PG_HOST:$PG_PORT; the tests need it" \
       "(set EXTRANET_TEST_POSTGRES_URL to use another server)." >&2
  exit 1
}

for server in "$@"; do
  case "$server" in
    rabbitmq) ensure_rabbitmq ;;
    rabbitmq-management) ensure_rabbitmq; ensure_management ;;
    postgresql) ensure_postgresql ;;
    *) echo "unknown server: $server" >&2; exit 2 ;;
  esac
done
