#!/bin/bash
# test/proxy/ci.sh TREE: CI check that the released router script stays as
# released (called by test/run.sh after the main suite).  The Makefile
# installs proxy/follow_graph_proxy--V.sql, frozen, for a router version V
# that has one, and builds the script from proxy/follow_graph_proxy.sql.in
# and follow_graph's type fragments (sql/install/20_idset.sql,
# 21_idset_card.sql, 30_handle.sql) only for a version without one; `make
# proxy-check` fails when that source no longer builds the frozen script of
# the control file's version, so that a change there gets a new router
# version and an upgrade script instead of silently differing from what
# was released.
set -euo pipefail
tree=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
make -C "$tree" -s --no-print-directory PG_CONFIG="${PG_CONFIG:-pg_config}" proxy-check
