#!/usr/bin/env bash
# Services the test suite needs beside Python: Debian's Chromium (browser tests) and PostgreSQL on
# loopback (the database tests run on SQLite and on PostgreSQL). Installs what is missing when run
# as root, starts PostgreSQL, creates the test role and database, and prints the SQLAlchemy URL.
# Without root or apt the tests that need these skip, with the reason.
set -euo pipefail
log() { echo "test-services: $*" >&2; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)  # Chinese glyphs in screenshots
command -v pg_lsclusters >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing ${missing[*]}"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        log "cannot install ${missing[*]} (not root): those tests will skip"
        exit 0
    fi
fi

cluster=$(pg_lsclusters -h 2>/dev/null | head -n 1) || true
if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    pg_createcluster "$version" main >/dev/null
    cluster=$(pg_lsclusters -h | head -n 1)
fi
read -r version name port status _ <<<"$cluster"
if [ "$status" != "online" ]; then
    # stdout is the URL only (the Makefile reads it): pg_ctlcluster's notes, such as "Removed stale
    # pid file." after an unclean shutdown, go to stderr.
    pg_ctlcluster "$version" "$name" start >&2
fi
as_postgres() { su postgres -c "$1" 2>/dev/null || runuser -u postgres -- sh -c "$1"; }
as_postgres "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname='govassist'\"" | grep -q 1 ||
    as_postgres "psql -p $port -qc \"CREATE ROLE govassist LOGIN PASSWORD 'govassist'\""
as_postgres "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname='govassist_test'\"" | grep -q 1 ||
    as_postgres "createdb -p $port -O govassist govassist_test"
echo "postgresql+psycopg://govassist:govassist@127.0.0.1:$port/govassist_test"
