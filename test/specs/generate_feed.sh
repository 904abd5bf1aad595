#!/bin/bash
# Writes the home feed's isolation specs for REPEATABLE READ and SERIALIZABLE
# (the READ COMMITTED ones, feed_*_rc.spec, are written by hand), and the
# author-recency race (feed_bound_*) for all three levels.  The specs are
# committed; rerun this after editing it, then regenerate the expected files
# (test/expected) and review every difference.
set -euo pipefail
cd "$(dirname "$0")"
levels=("rr|REPEATABLE READ" "ser|SERIALIZABLE")

for level in "${levels[@]}"; do
	IFS='|' read -r short full <<<"$level"

	cat > "feed_publish_paging_${short}.spec" <<SPEC
# publish() racing a reader paging through feed() with the cursor, under
# ${full}: every page of the reader's transaction sees its snapshot, so the
# pages are exactly the items of the first page's snapshot, each once, and
# the writer's publish and unpublish show only after the reader commits.

setup
{
	SELECT follow_graph.follow(1, 2), follow_graph.follow(1, 3);
	SELECT follow_graph.publish(2 + (i / 10) % 2, i) FROM generate_series(10, 100, 10) AS i;
	CREATE TABLE seen (page int, author bigint, item bigint);
	CREATE TABLE before_first (item bigint);
}

teardown
{
	DROP TABLE seen, before_first;
	SELECT follow_graph.remove_account(a) FROM generate_series(1, 3) AS a;
}

session w
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step wpub	{ SELECT follow_graph.publish(2, 200), follow_graph.publish(3, 45), follow_graph.unpublish(2, 20); }
step wc		{ COMMIT; }
step wr		{ ROLLBACK; }

session r
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step rfirst
{
	INSERT INTO before_first SELECT item FROM follow_graph.feed(1, 1000);
	INSERT INTO seen SELECT 1, f.* FROM follow_graph.feed(1, 3) AS f;
}
step rnext
{
	INSERT INTO seen SELECT (SELECT max(page) + 1 FROM seen), f.*
	FROM follow_graph.feed(1, 3, (SELECT min(item) FROM seen)) AS f;
}
step rcheck
{
	SELECT page, array_agg(item ORDER BY item DESC) AS items FROM seen GROUP BY page ORDER BY page;
	SELECT (SELECT count(*) FROM seen GROUP BY item HAVING count(*) > 1 LIMIT 1) AS repeated,
		   (SELECT array_agg(b.item ORDER BY b.item) FROM before_first AS b
			WHERE NOT EXISTS (SELECT 1 FROM seen AS s WHERE s.item = b.item)) AS lost,
		   (SELECT array_agg(s.item ORDER BY s.item) FROM seen AS s
			WHERE NOT EXISTS (SELECT 1 FROM before_first AS b WHERE b.item = s.item)) AS extra;
	COMMIT;
}
step rafter	{ SELECT array_agg(item ORDER BY item DESC) AS items FROM follow_graph.feed(1); }

permutation rfirst wpub rnext wc rnext rnext rnext rcheck rafter
permutation rfirst rnext wpub wc rnext rnext rnext rcheck rafter
permutation wpub rfirst rnext wr rnext rnext rnext rcheck rafter
permutation wpub wc rfirst rnext rnext rnext rnext rcheck rafter
SPEC

	cat > "feed_unfollow_${short}.spec" <<SPEC
# unfollow() racing feed() under ${full}: the reader's transaction keeps
# seeing the followee's items until it ends (its snapshot), and the next
# transaction sees them gone; a rolled-back unfollow changes nothing.

setup
{
	SELECT follow_graph.follow(1, 2), follow_graph.follow(1, 3);
	SELECT follow_graph.publish(2 + (i / 10) % 2, i) FROM generate_series(10, 100, 10) AS i;
}

teardown
{
	SELECT follow_graph.remove_account(a) FROM generate_series(1, 3) AS a;
}

session w
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step wun	{ SELECT follow_graph.unfollow(1, 2); }
step wc		{ COMMIT; }
step wr		{ ROLLBACK; }

session r
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step rfeed	{ SELECT array_agg(item ORDER BY item DESC) AS items, array_agg(DISTINCT author) AS authors FROM follow_graph.feed(1); }
step rpage	{ SELECT array_agg(item ORDER BY item DESC) AS items FROM follow_graph.feed(1, 4, 60); }
step rc		{ COMMIT; }
step rnew	{ SELECT array_agg(item ORDER BY item DESC) AS items, array_agg(DISTINCT author) AS authors FROM follow_graph.feed(1); }

permutation rfeed wun rfeed wc rpage rc rnew
permutation wun rfeed wr rpage rc rnew
permutation wun wc rfeed rpage rc rnew
SPEC

	cat > "feed_publish_same_${short}.spec" <<SPEC
# The same item id published from two sessions under ${full}: one row,
# counted once; the second waits for the first and then returns false (same
# author), raises 23505 (another author) or, when the first committed after
# its snapshot, fails with 40001 (retryable).

setup
{
	SELECT 1;
}

teardown
{
	SELECT follow_graph.remove_account(a) FROM generate_series(1, 3) AS a;
}

session s1
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step s1p	{ SELECT follow_graph.publish(1, 500); }
step s1c	{ COMMIT; }
step s1r	{ ROLLBACK; }

session s2
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step s2same	{ SELECT follow_graph.publish(1, 500); }
step s2other	{ SELECT follow_graph.publish(2, 500); }
step s2c	{ COMMIT; }

session chk
step check
{
	SELECT a AS author, follow_graph.item_count(a) AS items,
		   follow_graph.item_count(a) = (SELECT count(*) FROM follow_graph.author_items(a)) AS exact
	FROM unnest(ARRAY[1, 2]::bigint[]) AS a;
}

permutation s1p s2same s1c s2c check
permutation s1p s2same s1r s2c check
permutation s1p s2other s1c s2c check
permutation s1p s2other s1r s2c check
SPEC
done

# The author-recency bound (0.3.0) raced by two publishers of one author, at
# every level.
for level in "rc|READ COMMITTED" "${levels[@]}"; do
	IFS='|' read -r short full <<<"$level"
	cat > "feed_bound_${short}.spec" <<SPEC
# Two sessions publish items of the same author under ${full}; each adds a
# bound row in its own transaction unless a committed row already covers the
# item, and deletes the older rows it can take without waiting.  Whatever
# commits, the highest row covers every committed item and a follower's feed
# lists exactly the committed items.  Neither waits for the other, and no
# level fails with 40001: the bound and the item count are not conflicts
# (s2snap takes the second session's snapshot before the first commits).

setup
{
	SELECT follow_graph.follow(9, 1);
	SELECT follow_graph.publish(1, 100);
}

teardown
{
	DO \$\$ BEGIN PERFORM follow_graph.remove_account(a) FROM unnest(ARRAY[1, 9]::bigint[]) AS a; END \$\$;
}

session s1
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step s1p	{ SELECT follow_graph.publish(1, 600); }
step s1c	{ COMMIT; }
step s1r	{ ROLLBACK; }

session s2
setup		{ BEGIN ISOLATION LEVEL ${full}; }
# A serialization failure is reported as such, whichever of the two checks
# (a concurrent update, or SSI's read/write dependencies) notices it first.
step s2new	{ DO \$\$ BEGIN PERFORM follow_graph.publish(1, 601);
			  EXCEPTION WHEN serialization_failure THEN
			  RAISE serialization_failure USING MESSAGE = 'could not serialize access (40001)'; END \$\$; }
step s2old	{ DO \$\$ BEGIN PERFORM follow_graph.publish(1, 590);
			  EXCEPTION WHEN serialization_failure THEN
			  RAISE serialization_failure USING MESSAGE = 'could not serialize access (40001)'; END \$\$; }
step s2snap	{ SELECT 1 AS snapshot; }
step s2c	{ COMMIT; }

session chk
step check
{
	SELECT (SELECT max(newest) FROM follow_graph.item_bound WHERE author = 1)
			 >= (SELECT max(item) FROM follow_graph.item WHERE author = 1) AS covered,
		   (SELECT array_agg(item ORDER BY item DESC) FROM follow_graph.feed(9)) AS feed,
		   (SELECT array_agg(item ORDER BY item DESC) FROM follow_graph.item WHERE author = 1) AS items;
}

permutation s1p s2new s1c s2c check
permutation s1p s2new s1r s2c check
permutation s1p s2old s1c s2c check
permutation s1p s2old s1r s2c check
permutation s1p s1c s2old s2c check
permutation s1p s1c s2new s2c check
permutation s2snap s1p s1c s2new s2c check
permutation s2snap s1p s1c s2old s2c check
permutation s2snap s1p s2new s1c s2c check
SPEC

	cat > "feed_publish_cross_${short}.spec" <<SPEC
# Two sessions publish for two authors in opposite orders under ${full}
# (1 then 2, and 2 then 1), each item above its author's committed bound:
# neither waits for the other (no deadlock), neither fails, and every item
# is covered and counted once, whatever commits.

setup
{
	SELECT follow_graph.follow(9, 1), follow_graph.follow(9, 2);
	SELECT follow_graph.publish(1, 100), follow_graph.publish(2, 110);
}

teardown
{
	DO \$\$ BEGIN PERFORM follow_graph.remove_account(a) FROM unnest(ARRAY[1, 2, 9]::bigint[]) AS a; END \$\$;
}

session s1
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step s1a	{ SELECT follow_graph.publish(1, 200); }
step s1b	{ SELECT follow_graph.publish(2, 210); }
step s1c	{ COMMIT; }
step s1r	{ ROLLBACK; }

session s2
setup		{ BEGIN ISOLATION LEVEL ${full}; }
step s2snap	{ SELECT 1 AS snapshot; }
step s2b	{ SELECT follow_graph.publish(2, 300); }
step s2a	{ SELECT follow_graph.publish(1, 310); }
step s2c	{ COMMIT; }

session chk
step check
{
	SELECT a AS author,
		   (SELECT max(newest) FROM follow_graph.item_bound WHERE author = a)
			 >= (SELECT max(item) FROM follow_graph.item WHERE author = a) AS covered,
		   follow_graph.item_count(a) AS items,
		   follow_graph.item_count(a) = (SELECT count(*) FROM follow_graph.item WHERE author = a) AS exact
	FROM unnest(ARRAY[1, 2]::bigint[]) AS a;
	SELECT array_agg(item ORDER BY item DESC) AS feed FROM follow_graph.feed(9);
}

permutation s1a s2b s1b s2a s1c s2c check
permutation s2snap s1a s2b s1b s2a s1c s2c check
permutation s1a s2b s1b s2a s1r s2c check
permutation s2snap s1a s1b s1c s2b s2a s2c check
SPEC
done
