#!/usr/bin/env bash
# A private, throwaway PostgreSQL for the tests, from Debian's packages (PostgreSQL 15 on Debian 12).
#   .ci/postgres.sh start DIR   installs the package when missing, starts an instance in the empty directory DIR on a
#                               free port of 127.0.0.1 and prints its connection string (superuser "vault", trust
#                               authentication: loopback only, and gone with DIR)
#   .ci/postgres.sh stop DIR    stops that instance (if it runs) and removes DIR
# Anything that fails exits non-zero with the reason on stderr: the caller must not run the PostgreSQL tests then.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# initdb refuses root: as root, the instance runs as the package's postgres user.
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

install() {
  [ -n "$(bindir)" ] && [ -x "$(bindir)/initdb" ] && return 0
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed and installing it needs root: apt-get install -y postgresql"
  command -v apt-get >/dev/null || die "PostgreSQL is not installed and there is no apt-get to install it"
  echo "postgres.sh: installing PostgreSQL from the Debian packages" >&2
  # The package would create and start a system-wide cluster where services may start: keep it from starting.
  local policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
  fi
  local ok=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; } \
    || ok=$?
  [ -z "$policy" ] || rm -f "$policy"
  [ "$ok" -eq 0 ] || die "apt-get install postgresql failed (exit $ok): see above"
  [ -x "$(bindir)/initdb" ] || die "postgresql was installed but no initdb is under /usr/lib/postgresql/*/bin"
}

# A port nothing listens on (the server still refuses to start if another process takes it first: start retries).
free_port() {
  local port hex
  while :; do
    port=$((20000 + RANDOM % 40000))
    hex=$(printf ':%04X ' "$port")
    if ! grep -qi " [0-9A-F.:]*${hex}[0-9A-F.:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      echo "$port"; return
    fi
  done
}

start() {
  local dir=$1
  [ -d "$dir" ] && [ -z "$(ls -A "$dir")" ] || die "start needs an existing empty directory, got '$dir'"
  install
  local bin; bin=$(bindir)
  [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
  # Throwaway data: no fsync (a crash of PostgreSQL itself is not what the tests are about).
  as_owner "$bin/initdb" -D "$dir/data" -U vault -A trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start -o "-p $port -k $dir -c listen_addresses=127.0.0.1 \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null 2>&1; then
      echo "Host=127.0.0.1;Port=$port;Username=vault;Database=postgres"
      return 0
    fi
  done
  tail -20 "$dir/log" >&2 || true
  die "PostgreSQL did not start (5 ports tried)"
}

stop() {
  local dir=$1 bin; bin=$(bindir)
  if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || echo "postgres.sh: pg_ctl stop failed in $dir" >&2
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start DIR | stop DIR" ;;
esac
