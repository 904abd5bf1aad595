# follow_graph: PGXS build.  Everything is discovered from the tree so that a
# new area (a .c file, an install fragment, a regression file, a spec) needs
# no edit here.

EXTENSION   = follow_graph
EXTVERSION  = 0.2.0

# The install script of the current version is assembled from ordered
# fragments in sql/install/.  Released install scripts are frozen in sql/
# (sql/follow_graph--0.1.0.sql as shipped), and every release adds an upgrade
# script sql/follow_graph--OLD--NEW.sql; test/upgrade proves that updating
# from each earlier release gives the catalog of a fresh install.
INSTALL_FRAGMENTS = $(sort $(wildcard sql/install/*.sql))
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql
DATA        = $(filter-out sql/$(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

MODULE_big  = $(EXTENSION)
OBJS        = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# Regression tests: every sql/*.sql that is not an install or upgrade script.
REGRESS     = $(sort $(patsubst sql/%.sql,%,$(filter-out sql/$(EXTENSION)--%,$(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# Isolation specs live in test/specs, their expected output in test/expected.
ISOLATION   = $(sort $(patsubst test/specs/%.spec,%,$(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --outputdir=test/output_iso --load-extension=$(EXTENSION)

TAP_TESTS   = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))

PG_CONFIG  ?= pg_config
ICU_CFLAGS := $(shell pkg-config --cflags icu-uc icu-i18n 2>/dev/null)
ICU_LIBS   := $(shell pkg-config --libs icu-uc icu-i18n 2>/dev/null)
PG_CPPFLAGS = -I$(srcdir)/src $(ICU_CFLAGS)
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter $(FG_EXTRA_CFLAGS)
SHLIB_LINK  = $(ICU_LIBS)

EXTRA_CLEAN = $(DATA_built) test/output_iso results regression.diffs regression.out tmp_check log

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(DATA_built): $(INSTALL_FRAGMENTS)
	cat $^ > $@

# TAP tests alone (installcheck runs them too, after the others).
.PHONY: tapcheck bench
tapcheck:
	$(prove_installcheck)

bench:
	bash test/bench/run.sh $(if $(SCALE),--scale $(SCALE)) $(BENCH_OPTS)

# Heavy reliability runs, outside the default CI run (see README, Reliability).
# PG=18 runs sqlsmith on the assert-enabled PostgreSQL 18 (test/cassert).
.PHONY: sanitize sqlsmith storm verify-scale
sanitize:
	bash test/reliability/sanitize.sh
sqlsmith:
	FG_PG=$(or $(PG),15) bash test/reliability/sqlsmith.sh $(or $(QUERIES),10000)
storm:
	bash test/reliability/storm.sh
verify-scale:
	bash test/reliability/verify_scale.sh $(or $(EDGES),10000000)
