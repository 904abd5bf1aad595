# Sourced by the bench scripts: the measuring helpers they share.
# Median of the numbers on stdin (the mean of the middle two for an even count).
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Wall-clock seconds of one SQL command, run with the script's q().
timed() {
	local t0 t1
	t0=$(date +%s.%N)
	q -c "$1" >/dev/null
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
