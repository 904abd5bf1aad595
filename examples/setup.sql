-- examples/setup.sql: what an administrator runs once, as a superuser, in
-- the application's database, plus the small graph the examples show.
--   psql -v ON_ERROR_STOP=1 -f examples/setup.sql

CREATE EXTENSION IF NOT EXISTS follow_graph;

-- The role the application connects as.  Reads (counts, pages, sets) are
-- executable by PUBLIC; follow() and unfollow() are not, so grant them.
-- (Give it a password or another authentication method of your choice.)
CREATE ROLE app_writer LOGIN;
GRANT USAGE ON SCHEMA follow_graph TO app_writer;  -- PUBLIC has it too; shown for clarity
GRANT EXECUTE ON FUNCTION follow_graph.follow(bigint, bigint),
                          follow_graph.unfollow(bigint, bigint) TO app_writer;

-- A small graph with snowflake-sized ids (above 2^53, so JavaScript must
-- not turn them into Numbers).  One statement per edge, so each edge's
-- cursor is fixed by this order.
--   alice ...001 (the profile shown), bob ...002, carol ...003, dave ...004,
--   erin ...005, frank ...006, grace ...007, heidi ...008, ivan ...009,
--   judy ...010, victor ...011 (the signed-in viewer)
SELECT follow_graph.follow(7000000000000000002, 7000000000000000001);  -- bob    -> alice
SELECT follow_graph.follow(7000000000000000003, 7000000000000000001);  -- carol  -> alice
SELECT follow_graph.follow(7000000000000000004, 7000000000000000001);  -- dave   -> alice
SELECT follow_graph.follow(7000000000000000005, 7000000000000000001);  -- erin   -> alice
SELECT follow_graph.follow(7000000000000000006, 7000000000000000001);  -- frank  -> alice
SELECT follow_graph.follow(7000000000000000007, 7000000000000000001);  -- grace  -> alice
SELECT follow_graph.follow(7000000000000000008, 7000000000000000001);  -- heidi  -> alice
SELECT follow_graph.follow(7000000000000000009, 7000000000000000001);  -- ivan   -> alice
SELECT follow_graph.follow(7000000000000000001, 7000000000000000002);  -- alice  -> bob
SELECT follow_graph.follow(7000000000000000001, 7000000000000000003);  -- alice  -> carol
SELECT follow_graph.follow(7000000000000000001, 7000000000000000010);  -- alice  -> judy
SELECT follow_graph.follow(7000000000000000011, 7000000000000000003);  -- victor -> carol
SELECT follow_graph.follow(7000000000000000011, 7000000000000000005);  -- victor -> erin
SELECT follow_graph.follow(7000000000000000005, 7000000000000000011);  -- erin   -> victor
SELECT follow_graph.follow(7000000000000000011, 7000000000000000010);  -- victor -> judy
SELECT follow_graph.follow(7000000000000000007, 7000000000000000011);  -- grace  -> victor
