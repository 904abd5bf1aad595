-- follow_graph 0.1.0 -> 0.2.0.  Editable until 0.2.0 is tagged; frozen after.
-- test/upgrade checks that this script turns a 0.1.0 catalog into exactly
-- what sql/install/*.sql builds for a fresh 0.2.0 install.

\echo Use "ALTER EXTENSION follow_graph UPDATE TO '0.2.0'" to load this file. \quit
