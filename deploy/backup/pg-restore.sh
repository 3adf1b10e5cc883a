#!/bin/sh
# Restores a pg-backup.sh file into DATABASE_URL, replacing what is there, in one transaction
# (a failed restore changes nothing). Stop the Tandem instances first; start them after.
#
#   DATABASE_URL=postgres://tandem:…@db:5432/tandem deploy/backup/pg-restore.sh backups/tandem-2026-12-02.dump
set -eu
in="${1:?usage: pg-restore.sh FILE (DATABASE_URL in the environment)}"
: "${DATABASE_URL:?set DATABASE_URL to the database to restore into}"
pg_restore --list "$in" > /dev/null
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error --dbname="$DATABASE_URL" "$in"
echo "pg-restore: restored $in"
