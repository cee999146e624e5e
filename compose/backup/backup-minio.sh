#!/bin/sh
# Mirrors the documents' bucket (ciphertext) into /backups/minio/vault. Run it after backup-postgres: every object the
# newest dump names is then in the mirror. Without --remove, objects deleted since the last run stay in the mirror
# until it is pruned (README: Backups), so an older dump still finds its objects.
set -eu
MC_HOST_region="http://$(cat /run/secrets/minio_root_user):$(cat /run/secrets/minio_root_password)@minio:9000"
export MC_HOST_region
mkdir -p /backups/minio/vault
mc mirror --overwrite --preserve region/vault /backups/minio/vault
echo "backup-minio: region/vault mirrored to /backups/minio/vault"
