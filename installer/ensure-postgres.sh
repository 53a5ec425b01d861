#!/usr/bin/env bash
# Make sure a PostgreSQL server answers for the tests: TILLCARD_TEST_DATABASE_URL wins;
# otherwise the local cluster on 127.0.0.1:5432 is started when it is not running.
set -euo pipefail
if [ -n "${TILLCARD_TEST_DATABASE_URL:-}" ]; then exit 0; fi
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  echo "starting PostgreSQL $ver cluster 'main'"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done
fi
echo "PostgreSQL is not reachable on 127.0.0.1:5432 and could not be started." >&2
echo "Start it, or set TILLCARD_TEST_DATABASE_URL=postgresql://user@host:port/db" >&2
exit 1
