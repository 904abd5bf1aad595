# Sourced by the bench scripts: psql and pgbench, as PSQL and PGBENCH say
# or from PATH, and Debian's PostgreSQL 15 pgbench when PATH has none.
PSQL=${PSQL:-psql}
PGBENCH=${PGBENCH:-pgbench}
if ! command -v "$PGBENCH" >/dev/null && [ -x /usr/lib/postgresql/15/bin/pgbench ]; then
	PGBENCH=/usr/lib/postgresql/15/bin/pgbench
fi
