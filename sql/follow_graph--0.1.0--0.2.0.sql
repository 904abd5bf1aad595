-- follow_graph 0.1.0 -> 0.2.0.  Editable until 0.2.0 is tagged; frozen after.
-- test/upgrade checks that this script turns a 0.1.0 catalog into exactly
-- what sql/install/*.sql builds for a fresh 0.2.0 install.

\echo Use "ALTER EXTENSION follow_graph UPDATE TO '0.2.0'" to load this file. \quit

-- == hardening: idset ==
-- idset_eq and idset_ne can raise data-dependent errors (a stored value that
-- does not decode raises XX001; detoasting can fail), so they are not
-- leakproof.
ALTER FUNCTION follow_graph.idset_eq(follow_graph.idset, follow_graph.idset) NOT LEAKPROOF;
ALTER FUNCTION follow_graph.idset_ne(follow_graph.idset, follow_graph.idset) NOT LEAKPROOF;
