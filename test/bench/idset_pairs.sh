#!/bin/bash
# test/bench/idset_pairs.sh: the sparse 62-bit count row of #15
# (cardinality(a & b) against rb64_and_cardinality) as paired ratios, on the
# sets test/bench/idset.sh left behind (IDSET_BENCH_KEEP=1):
#
#   bash test/bench/idset_pairs.sh [pairs]        (default 41)
#
# Two sessions stay open, one per side (neither inherits the other's
# allocator state, as in idset_card.sh); each pair times one call in each,
# back to back, the order swapped every pair, and its ratio is baseline /
# idset.  The machine this was written on runs at two speeds minutes apart
# (docs/performance.md, eighth pass), which moved a median of either side by
# a third; a pair's two calls share the speed of that moment, so the
# median of the pair ratios does not depend on which speed a run caught.
# Prints the median of each side and of the ratios, and their quartiles.
# Needs pg_roaringbitmap (skips otherwise).
set -euo pipefail
db=${IDSET_BENCH_DB:-idset_bench}
pairs=${1:-41}
sparse="FROM bench_sets a, bench_sets b WHERE a.name = 'sa' AND b.name = 'sb'"
qi="SELECT cardinality(a.s & b.s) $sparse"
qb="SELECT rb64_and_cardinality(a.rb64, b.rb64) $sparse"

have=$(psql -X -d "$db" -v ON_ERROR_STOP=1 -Atqc "SELECT count(*) FROM pg_extension WHERE extname = 'roaringbitmap'") ||
	{ echo "idset_pairs: cannot query database $db" >&2; exit 1; }
if [ "$have" != 1 ]; then
	echo "idset_pairs: pg_roaringbitmap is not installed in $db: skipped"
	exit 0
fi

# One session: a function that runs q once and returns its milliseconds;
# every call prints one line.
open_session() {
	cat <<SQL
SET search_path = follow_graph, public;
SET max_parallel_workers_per_gather = 0;
SET jit = off;
CREATE FUNCTION pg_temp.once(q text) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE
	t0 timestamptz := clock_timestamp();
BEGIN
	EXECUTE q;
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END \$\$;
SQL
}

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/i.in" "$dir/i.out" "$dir/b.in" "$dir/b.out"
psql -X -d "$db" -v ON_ERROR_STOP=1 -Atq <"$dir/i.in" >"$dir/i.out" &
psql -X -d "$db" -v ON_ERROR_STOP=1 -Atq <"$dir/b.in" >"$dir/b.out" &
exec 3>"$dir/i.in" 4<"$dir/i.out" 5>"$dir/b.in" 6<"$dir/b.out"
open_session >&3
open_session >&5

# Time q once in the session written at fd $1 and read at fd $2; prints the ms.
timed() {
	local line
	printf 'SELECT pg_temp.once($q$%s$q$);\n' "$3" >&"$1"
	read -r line <&"$2"
	echo "$line"
}

# One warm-up call per side.
timed 3 4 "$qi" >/dev/null
timed 5 6 "$qb" >/dev/null
for p in $(seq 1 "$pairs"); do
	if [ $((p % 2)) -eq 1 ]; then
		i=$(timed 3 4 "$qi")
		b=$(timed 5 6 "$qb")
	else
		b=$(timed 5 6 "$qb")
		i=$(timed 3 4 "$qi")
	fi
	echo "$i $b" >>"$dir/times"
done
echo '\q' >&3
echo '\q' >&5
exec 3>&- 5>&-
wait

# Medians and quartiles (nearest rank) of the idset ms, the baseline ms and
# the pair ratios.
col() {	# the sorted values of an awk expression over the pairs
	awk "{ printf \"%.4f\\n\", $1 }" "$dir/times" | sort -g
}
rank() {	# the value at fraction $2 of the sorted list $1
	echo "$1" | awk -v f="$2" '{ v[NR] = $1 } END { print v[int(f * (NR - 1) + 0.5) + 1] }'
}
ti=$(col '$1')
tb=$(col '$2')
tr=$(col '$2 / $1')
printf 'sparse count, %d pairs (load %s): idset median %.2f ms, roaringbitmap64 %.1f ms; ratio median %.1fx (quartiles %.1fx, %.1fx; range %.1fx-%.1fx)\n' \
	"$pairs" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(rank "$ti" 0.5)" "$(rank "$tb" 0.5)" \
	"$(rank "$tr" 0.5)" "$(rank "$tr" 0.25)" "$(rank "$tr" 0.75)" "$(rank "$tr" 0)" "$(rank "$tr" 1)"
