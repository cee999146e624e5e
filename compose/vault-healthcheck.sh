#!/bin/bash
# The container's health check: GET /health/ready on the server's own loopback port (loopback is exempt from the
# TLS rule and its Host name is always allowed). The runtime image has no curl or wget, so bash's /dev/tcp speaks
# the one HTTP request. Ready means the database and the blob store answer; exit 0 only for a 200.
# Usage: vault-healthcheck [port]   (default 8080)
set -eu
port="${1:-8080}"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 5 status <&3
[[ "$status" == "HTTP/1.1 200 "* ]]
