#!/bin/bash
# test/bench/idset_card.sh: the idset counting rows of #15 against
# pg_roaringbitmap, in rounds, on the sets test/bench/idset.sh left behind:
#
#   IDSET_BENCH_QUICK=1 IDSET_BENCH_KEEP=1 bash test/bench/idset.sh   (once)
#   bash test/bench/idset_card.sh
#
# Each round opens a new session and runs, alternately, cardinality(a & b)
# and rb_and_cardinality on the dense pair, a & b and rb_and on it, then
# cardinality(a & b) on the sparse 62-bit pair against rb64_and_cardinality (IDSET_CARD_REPS times each, default 9), and
# prints the medians and ratios (baseline / idset).  IDSET_CARD_ROUNDS
# (default 3) rounds.  To compare two builds of the library in one run,
# IDSET_CARD_LIBS="old.so new.so" installs each in turn as follow_graph.so
# into IDSET_CARD_PKGLIBDIR before its round (a development server only:
# every new session loads the file installed at that moment).
set -euo pipefail
db=${IDSET_BENCH_DB:-idset_bench}
reps=${IDSET_CARD_REPS:-9}
rounds=${IDSET_CARD_ROUNDS:-3}
libs=${IDSET_CARD_LIBS:-current}
for r in $(seq 1 "$rounds"); do
	for lib in $libs; do
		if [ "$lib" != current ]; then
			# A new file renamed over the old one: backends still running
			# keep the old one mapped (overwriting it in place crashes them).
			cp "$lib" "${IDSET_CARD_PKGLIBDIR:?}/.follow_graph.so.new"
			mv -f "$IDSET_CARD_PKGLIBDIR/.follow_graph.so.new" "$IDSET_CARD_PKGLIBDIR/follow_graph.so"
		fi
		printf 'round %s %s load %s: ' "$r" "$(basename "$lib")" "$(cut -d' ' -f1 /proc/loadavg)"
		psql -X -d "$db" -v ON_ERROR_STOP=1 -v reps="$reps" -Atq <<'SQL'
SET search_path = follow_graph, public;
SET max_parallel_workers_per_gather = 0;
SET jit = off;
CREATE FUNCTION pg_temp.bench2(q1 text, q2 text, reps int) RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	t1 float8[] := '{}';
	t2 float8[] := '{}';
BEGIN
	EXECUTE q1;
	EXECUTE q2;
	FOR i IN 1..reps LOOP
		t0 := clock_timestamp();
		EXECUTE q1;
		t1 := t1 || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
		t0 := clock_timestamp();
		EXECUTE q2;
		t2 := t2 || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
	END LOOP;
	RETURN ARRAY[(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t1) x),
				 (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t2) x)];
END $$;
SELECT format('dense %s ms vs rb %s ms = %sx; ', round(r[1]::numeric, 2), round(r[2]::numeric, 2), round((r[2] / r[1])::numeric, 2))
FROM pg_temp.bench2(
	$q$SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$,
	$q$SELECT rb_and_cardinality(a.rb, b.rb) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$, :reps * 3) r \gset
\echo -n :format
SELECT format('dense a & b %s ms vs rb_and %s ms = %sx; ', round(r[1]::numeric, 2), round(r[2]::numeric, 2), round((r[2] / r[1])::numeric, 2))
FROM pg_temp.bench2(
	$q$SELECT pg_column_size(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$,
	$q$SELECT pg_column_size(rb_and(a.rb, b.rb)) FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'$q$, :reps * 3) r \gset
\echo -n :format
SELECT format('sparse %s ms vs rb64 %s ms = %sx', round(r[1]::numeric, 2), round(r[2]::numeric, 2), round((r[2] / r[1])::numeric, 1))
FROM pg_temp.bench2(
	$q$SELECT cardinality(a.s & b.s) FROM bench_sets a, bench_sets b WHERE a.name = 'sa' AND b.name = 'sb'$q$,
	$q$SELECT rb64_and_cardinality(a.rb64, b.rb64) FROM bench_sets a, bench_sets b WHERE a.name = 'sa' AND b.name = 'sb'$q$, :reps) r;
SQL
	done
done
