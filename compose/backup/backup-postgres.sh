#!/bin/sh
# A consistent logical dump of the region's database (pg_dump, custom format: restore with pg_restore) and a copy of
# the nodes' key volume (the server's keys, sealed under the key-encryption key, which is NOT in any backup).
# Writes /backups/postgres/vault-<UTC time>.dump and /backups/keys/vault-data-<UTC time>.tar.gz.
set -eu
umask 077
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p /backups/postgres /backups/keys

PGPASSWORD=$(cat /run/secrets/postgres_password)
export PGPASSWORD
pg_dump --format=custom --no-owner --file="/backups/postgres/vault-$stamp.dump.partial"
mv "/backups/postgres/vault-$stamp.dump.partial" "/backups/postgres/vault-$stamp.dump"

tar -C /vault-data -czf "/backups/keys/vault-data-$stamp.tar.gz.partial" .
mv "/backups/keys/vault-data-$stamp.tar.gz.partial" "/backups/keys/vault-data-$stamp.tar.gz"
echo "backup-postgres: vault-$stamp.dump and vault-data-$stamp.tar.gz written"
