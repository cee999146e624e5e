#!/bin/sh
# One-shot, idempotent (runs at every `up`): the bucket, and Vault's own MinIO user whose policy reaches that bucket
# alone. MinIO's root keys stay with MinIO, this script and the backup.
set -eu
bucket=vault
secret() { cat "/run/secrets/$1"; }

# Credentials through mc's environment, not its command line.
MC_HOST_region="http://$(secret minio_root_user):$(secret minio_root_password)@minio:9000"
export MC_HOST_region

mc mb --ignore-existing "region/$bucket"

policy=/tmp/vault-bucket.json
cat >"$policy" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::$bucket", "arn:aws:s3:::$bucket/*"] }
  ]
}
JSON
mc admin policy create region vault-bucket "$policy"

user=$(secret vault_s3_access_key)
mc admin user add region "$user" "$(secret vault_s3_secret_key)"
# Attaching an attached policy is an error to mc: attach when the user does not have it yet.
if ! mc admin user info region "$user" | grep -q 'vault-bucket'; then
  mc admin policy attach region vault-bucket --user "$user"
fi
echo "minio-setup: bucket $bucket and its user are in place"
