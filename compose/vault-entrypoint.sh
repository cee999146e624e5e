#!/bin/sh
# Starts the Vault server. The server reads its key-encryption key and its S3 keys from files itself
# (Vault:KeyEncryptionKeyFile, Vault:Storage:S3:AccessKeyFile/SecretKeyFile); the PostgreSQL and Redis passwords it
# can only take inside their connection strings. So those two come from secret files here, appended to the
# connection strings compose sets without them, and never stand in a compose file, the image or `docker inspect`.
set -eu

secret() {
  [ -r "$1" ] || { echo "vault-entrypoint: $2 ($1) cannot be read by uid $(id -u)" >&2; exit 1; }
  value=$(cat "$1")
  # Both connection-string syntaxes would split a password at ';' or ',': only plain characters are accepted
  # (the README makes them with `openssl rand -hex 32`).
  case "$value" in
    "" | *[!A-Za-z0-9._~-]*)
      echo "vault-entrypoint: $2 ($1) must be one line of letters, digits and . _ ~ - (e.g. openssl rand -hex 32)" >&2
      exit 1 ;;
  esac
  printf '%s' "$value"
}

if [ -n "${VAULT_POSTGRES_PASSWORD_FILE:-}" ]; then
  password=$(secret "$VAULT_POSTGRES_PASSWORD_FILE" VAULT_POSTGRES_PASSWORD_FILE)
  Vault__Database__ConnectionString="${Vault__Database__ConnectionString:?VAULT_POSTGRES_PASSWORD_FILE is set but Vault__Database__ConnectionString is not};Password=$password"
  export Vault__Database__ConnectionString
fi
if [ -n "${VAULT_REDIS_PASSWORD_FILE:-}" ]; then
  password=$(secret "$VAULT_REDIS_PASSWORD_FILE" VAULT_REDIS_PASSWORD_FILE)
  Vault__Cluster__Redis="${Vault__Cluster__Redis:?VAULT_REDIS_PASSWORD_FILE is set but Vault__Cluster__Redis is not},password=$password"
  export Vault__Cluster__Redis
fi
unset password VAULT_POSTGRES_PASSWORD_FILE VAULT_REDIS_PASSWORD_FILE

exec dotnet "${VAULT_SERVER_DLL:-/app/Vault.Server.dll}" "$@"
