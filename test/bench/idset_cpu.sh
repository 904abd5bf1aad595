#!/bin/bash
# test/bench/idset_cpu.sh: backend CPU (utime + stime) and minor page faults
# per call of the dense idset intersection queries, read from
# /proc/self/stat inside the backend (superuser), on the sets
# test/bench/idset.sh left behind (IDSET_BENCH_KEEP=1).
#
#   IDSET_CPU_LIBS="old.so new.so" IDSET_CPU_PKGLIBDIR=<pkglibdir> \
#   IDSET_CPU_ROUNDS=5 IDSET_CPU_CALLS=200 bash test/bench/idset_cpu.sh
#
# Per round and library (installed in turn by renaming over
# follow_graph.so), each query runs IDSET_CPU_CALLS times in a fresh session
# of its own ("alone"), and, when IDSET_CPU_MIXED=1, also alternating with
# its baseline in one session (method A's allocator state: only the idset
# calls are counted).  Prints ms of CPU and faults per call (means) and
# the median wall time of a call.
set -euo pipefail
db=${IDSET_BENCH_DB:-idset_bench}
rounds=${IDSET_CPU_ROUNDS:-5}
calls=${IDSET_CPU_CALLS:-200}
libs=${IDSET_CPU_LIBS:-current}
mixed=${IDSET_CPU_MIXED:-0}
queries=${IDSET_CPU_QUERIES:-"count and icount rbcount rband"}
# IDSET_CPU_PRE: SQL run once at the start of every session (e.g. the
# sparse roaringbitmap64 queries of method A, for its allocator state).
pre=${IDSET_CPU_PRE:-NULL}
dense="FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'"
declare -A Q=(
	[count]="SELECT cardinality(a.s & b.s) $dense"
	[and]="SELECT pg_column_size(a.s & b.s) $dense"
	[icount]="SELECT icount(a.a4_sorted & b.a4_sorted) $dense"
	[rbcount]="SELECT rb_and_cardinality(a.rb, b.rb) $dense"
	[rband]="SELECT pg_column_size(rb_and(a.rb, b.rb)) $dense"
)
declare -A BASE=([count]=rbcount [and]=rband)

# cpu-ms and faults per call of q1 over n calls (after one warm-up), each
# call followed by q2 (not counted) when q2 is given.
run() {
	psql -X -d "$db" -v ON_ERROR_STOP=1 -Atq -v q1="$1" -v q2="$2" -v n="$3" -v pre="$pre" <<'SQL'
SET search_path = follow_graph, public;
SELECT :'pre' <> 'NULL' AS have_pre \gset
\if :have_pre
\o /dev/null
:pre;
\o
\endif
SET max_parallel_workers_per_gather = 0;
SET jit = off;
CREATE FUNCTION pg_temp.st() RETURNS float8[] LANGUAGE sql AS $$
	SELECT ARRAY[f[10]::float8, f[14]::float8 + f[15]::float8]
	FROM regexp_split_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') f0,
		LATERAL (SELECT ARRAY['', ''] || f0 AS f) x $$;
CREATE FUNCTION pg_temp.cpu(q1 text, q2 text, n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	s0 float8[];
	s1 float8[];
	flt float8 := 0;
	tck float8 := 0;
	t0 timestamptz;
	wall float8[] := '{}';
BEGIN
	EXECUTE q1;
	IF q2 <> '' THEN EXECUTE q2; END IF;
	FOR i IN 1..n LOOP
		s0 := pg_temp.st();
		t0 := clock_timestamp();
		EXECUTE q1;
		wall := wall || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
		s1 := pg_temp.st();
		flt := flt + s1[1] - s0[1];
		tck := tck + s1[2] - s0[2];
		IF q2 <> '' THEN EXECUTE q2; END IF;
	END LOOP;
	RETURN round((tck * 10 / n)::numeric, 2) || ' ms cpu ' || round((flt / n)::numeric, 0) || ' flt '
		|| round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(wall) x)::numeric, 2) || ' ms wall';
END $$;
SELECT pg_temp.cpu(:'q1', :'q2', :n);
SQL
}

# Without pg_roaringbitmap (or intarray) in the database, skip their rows.
for ext in roaringbitmap:rbcount:rband intarray:icount; do
	IFS=: read -r e q1 q2 <<<"$ext"
	if ! psql -X -d "$db" -Atqc "SELECT 1 FROM pg_extension WHERE extname = '$e'" | grep -q 1; then
		queries=$(echo " $queries " | sed -e "s/ $q1 / /" -e "s/ ${q2:-none} / /")
	fi
done

for r in $(seq 1 "$rounds"); do
	for lib in $libs; do
		if [ "$lib" != current ]; then
			cp "$lib" "${IDSET_CPU_PKGLIBDIR:?}/.follow_graph.so.new"
			mv -f "$IDSET_CPU_PKGLIBDIR/.follow_graph.so.new" "$IDSET_CPU_PKGLIBDIR/follow_graph.so"
		fi
		printf 'round %s %s load %s:' "$r" "$(basename "$lib")" "$(cut -d' ' -f1 /proc/loadavg)"
		for q in $queries; do
			printf ' %s %s;' "$q" "$(run "${Q[$q]}" '' "$calls")"
			if [ "$mixed" = 1 ] && [ -n "${BASE[$q]:-}" ]; then
				printf ' %s(mixed) %s;' "$q" "$(run "${Q[$q]}" "${Q[${BASE[$q]}]}" "$calls")"
			fi
		done
		echo
	done
done
