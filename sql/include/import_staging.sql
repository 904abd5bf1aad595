-- The edges of the temp table staging (follower, followee) written with
-- import_edges(), and staging dropped.
SET client_min_messages = warning;
SELECT import_edges('staging');
RESET client_min_messages;
DROP TABLE staging;
