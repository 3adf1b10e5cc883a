#!/bin/sh
# Backs up Tandem's Postgres database to one file (pg_dump custom format: compressed, restorable
# table by table). Consistent while Tandem runs: pg_dump reads one snapshot.
#
#   DATABASE_URL=postgres://tandem:…@db:5432/tandem deploy/backup/pg-backup.sh backups/tandem-$(date +%F).dump
set -eu
out="${1:?usage: pg-backup.sh FILE (DATABASE_URL in the environment)}"
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
tmp="$out.partial"
pg_dump --format=custom --no-owner --no-privileges --file="$tmp" "$DATABASE_URL"
# Only a complete dump gets the final name: a failed run never leaves a file that looks good.
pg_restore --list "$tmp" > /dev/null
mv "$tmp" "$out"
echo "pg-backup: wrote $out ($(wc -c < "$out") bytes)"
