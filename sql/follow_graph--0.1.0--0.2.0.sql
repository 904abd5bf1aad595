-- follow_graph 0.1.0 -> 0.2.0.  Editable until 0.2.0 is tagged; frozen after.
-- test/upgrade checks that this script turns a 0.1.0 catalog into exactly
-- what sql/install/*.sql builds for a fresh 0.2.0 install.

\echo Use "ALTER EXTENSION follow_graph UPDATE TO '0.2.0'" to load this file. \quit

-- == hardening: import_edges ==
-- No catalog change: import_edges(regclass) keeps its signature, attributes,
-- privileges and comment.  The fix is in the C code (SHARE UPDATE EXCLUSIVE
-- on follow_graph.edge before anything else, so concurrent first loads do not
-- deadlock; the source is staged in tuplestores read as ephemeral relations,
-- so no owner-rights SQL reads a caller-owned temporary table).
