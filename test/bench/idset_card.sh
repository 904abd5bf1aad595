#!/bin/bash
# test/bench/idset_card.sh: the idset intersection rows of #15 against
# pg_roaringbitmap, in rounds, on the sets test/bench/idset.sh left behind:
#
#   IDSET_BENCH_QUICK=1 IDSET_BENCH_KEEP=1 bash test/bench/idset.sh   (once)
#   bash test/bench/idset_card.sh
#
# Each measurement runs one query in a session of its own: one warm-up,
# then IDSET_CARD_REPS (default 9) timed runs, median.  A side never runs in
# the other's backend, so neither inherits the other's allocator state (the
# size of the heap glibc keeps after large detoasted values decides whether
# the next large allocation page-faults, which moved the baseline's own
# times by up to 2x when both ran in one backend).  Per round, the idset and
# baseline sessions alternate: dense cardinality(a & b) / rb_and_cardinality,
# dense a & b / rb_and, sparse 62-bit cardinality(a & b) /
# rb64_and_cardinality; ratios are baseline / idset.  IDSET_CARD_ROUNDS
# (default 3) rounds.  To compare two builds of the library in one run,
# IDSET_CARD_LIBS="old.so new.so" installs each in turn as follow_graph.so
# into IDSET_CARD_PKGLIBDIR (renamed over it, so running backends keep
# theirs) before its measurements; development servers only.
set -euo pipefail
db=${IDSET_BENCH_DB:-idset_bench}
reps=${IDSET_CARD_REPS:-9}
rounds=${IDSET_CARD_ROUNDS:-3}
libs=${IDSET_CARD_LIBS:-current}

# Median ms of q over reps runs after one warm-up, in a new session.
median() {
	psql -X -d "$db" -v ON_ERROR_STOP=1 -Atq -v q="$1" -v reps="$2" <<'SQL'
SET search_path = follow_graph, public;
SET max_parallel_workers_per_gather = 0;
SET jit = off;
CREATE FUNCTION pg_temp.med(q text, reps int) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	t float8[] := '{}';
BEGIN
	EXECUTE q;
	FOR i IN 1..reps LOOP
		t0 := clock_timestamp();
		EXECUTE q;
		t := t || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
	END LOOP;
	RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(t) x);
END $$;
SELECT round(pg_temp.med(:'q', :reps)::numeric, 2);
SQL
}

pair() {	# label idset-query baseline-query reps
	local i b
	i=$(median "$2" "$4")
	b=$(median "$3" "$4")
	printf '%s %s ms vs %s ms = %sx; ' "$1" "$i" "$b" "$(echo "scale=2; $b / $i" | bc)"
}

dense="FROM bench_sets a, bench_sets b WHERE a.name = 'a' AND b.name = 'b'"
sparse="FROM bench_sets a, bench_sets b WHERE a.name = 'sa' AND b.name = 'sb'"
for r in $(seq 1 "$rounds"); do
	for lib in $libs; do
		if [ "$lib" != current ]; then
			cp "$lib" "${IDSET_CARD_PKGLIBDIR:?}/.follow_graph.so.new"
			mv -f "$IDSET_CARD_PKGLIBDIR/.follow_graph.so.new" "$IDSET_CARD_PKGLIBDIR/follow_graph.so"
		fi
		printf 'round %s %s load %s: ' "$r" "$(basename "$lib")" "$(cut -d' ' -f1 /proc/loadavg)"
		pair "dense count" "SELECT cardinality(a.s & b.s) $dense" "SELECT rb_and_cardinality(a.rb, b.rb) $dense" $((reps * 3))
		pair "dense and" "SELECT pg_column_size(a.s & b.s) $dense" "SELECT pg_column_size(rb_and(a.rb, b.rb)) $dense" $((reps * 3))
		pair "sparse count" "SELECT cardinality(a.s & b.s) $sparse" "SELECT rb64_and_cardinality(a.rb64, b.rb64) $sparse" "$reps"
		echo
	done
done
