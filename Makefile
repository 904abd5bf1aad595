# follow_graph: PGXS build.  The objects are listed below, by area, as a table
# of contents of src/ (a new .c file is added there); install fragments,
# regression files and specs are discovered from the tree.

# follow_graph_proxy (proxy/) is the router of a scale-out cluster on PL/Proxy
# (docs/scale-out.md): SQL only, its own version.
EXTENSION   = follow_graph follow_graph_proxy
EXTVERSION  = 0.5.0
FG          = follow_graph
PROXY       = follow_graph_proxy
PROXYVERSION := $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(PROXY).control)

# The install script of the current version is assembled from ordered
# fragments in sql/install/.  Released install scripts are frozen in sql/
# (sql/follow_graph--0.1.0.sql as shipped), and every release adds an upgrade
# script sql/follow_graph--OLD--NEW.sql; test/upgrade proves that updating
# from each earlier release gives the catalog of a fresh install.
#
# The router's install script is built from proxy/follow_graph_proxy.sql.in:
# each line "--@include sql/install/NN_x.sql" there is replaced by that
# fragment, with MODULE_PATHNAME spelled $libdir/follow_graph (the router
# loads follow_graph's library for the idset and handle types), so that the
# types have one source.  Released router scripts and upgrade scripts are
# frozen in proxy/ like follow_graph's in sql/ (proxy/follow_graph_proxy--
# 0.1.0.sql as shipped): a version with a frozen script installs that file,
# and only a version without one is built from the source.  `make
# proxy-check` (run by CI, test/proxy/ci.sh) fails when the source no longer
# builds the frozen script of PROXYVERSION: a change of the source or of
# the fragments it includes needs a new PROXYVERSION and an upgrade script.
INSTALL_FRAGMENTS = $(sort $(wildcard sql/install/*.sql))
PROXY_SOURCE = proxy/$(PROXY).sql.in
PROXY_INCLUDES := $(shell sed -n 's/^--@include //p' $(PROXY_SOURCE))
PROXY_FROZEN := $(wildcard proxy/$(PROXY)--$(PROXYVERSION).sql)
DATA_built  = $(FG)--$(EXTVERSION).sql $(if $(PROXY_FROZEN),,$(PROXY)--$(PROXYVERSION).sql)
DATA        = $(filter-out sql/$(FG)--$(EXTVERSION).sql,$(wildcard sql/$(FG)--*.sql)) \
	$(wildcard proxy/$(PROXY)--*.sql)

MODULE_big  = $(FG)
OBJS = \
	src/follow_graph.o \
	src/fg_spi.o \
	\
	src/fg_scan.o \
	src/fg_read.o \
	src/fg_write.o \
	src/fg_direct.o \
	src/fg_import.o \
	src/fg_bulk.o \
	src/fg_maint.o \
	src/fg_states.o \
	src/fg_states_read.o \
	src/fg_discovery.o \
	src/fg_feed.o \
	src/fg_bound_walk.o \
	src/fg_items.o \
	src/fg_mutual.o \
	src/fg_pages.o \
	src/fg_probe.o \
	\
	src/idset.o \
	src/idset_format.o \
	src/idset_algebra.o \
	src/idset_simd.o \
	src/idset_stream.o \
	src/idset_count64.o \
	src/idset_toast.o \
	src/idset_agg.o \
	src/idset_gin.o \
	src/idset_graph.o \
	\
	src/handle.o \
	src/handle_icu.o

# Regression tests: every sql/*.sql that is not an install or upgrade script.
REGRESS     = $(sort $(patsubst sql/%.sql,%,$(filter-out sql/$(FG)--%,$(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=$(FG)

# Isolation specs live in test/specs, their expected output in test/expected.
ISOLATION   = $(sort $(patsubst test/specs/%.spec,%,$(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --outputdir=test/output_iso --load-extension=$(FG)

TAP_TESTS   = 1
PROVE_TESTS = $(sort $(wildcard test/t/*.pl))

# ICU, which the handle type needs: PGXS's Makefile.global has the server's
# ICU_CFLAGS (already in CPPFLAGS) and ICU_LIBS (linked here) when the server
# was built with ICU; for a server built without, pkg-config's (below).
PG_CONFIG  ?= pg_config
PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter $(FG_EXTRA_CFLAGS)
SHLIB_LINK  = $(ICU_LIBS)

# PGXS cleans the regression outputs and DATA_built; the isolation outputs
# go elsewhere, and so do the router script of a failed build, the one
# proxy-check builds and one built before its version was frozen.
EXTRA_CLEAN = test/output_iso $(PROXY)--$(PROXYVERSION).sql.tmp \
	$(PROXY)--$(PROXYVERSION).sql $(PROXY)--$(PROXYVERSION).sql.check \
	$(PROXY)--$(PROXYVERSION).sql.check.tmp

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

src/fg_feed.o src/fg_bound_walk.o: src/fg_bound_walk.h
src/fg_feed.o src/fg_probe.o src/fg_read.o: src/fg_probe.h
src/idset_stream.o src/idset_toast.o: src/idset_toast.h

ifneq ($(with_icu),yes)
ICU_CFLAGS := $(shell pkg-config --cflags icu-uc icu-i18n 2>/dev/null)
ICU_LIBS   := $(shell pkg-config --libs icu-uc icu-i18n 2>/dev/null)
override CPPFLAGS += $(ICU_CFLAGS)
endif

$(FG)--$(EXTVERSION).sql: $(INSTALL_FRAGMENTS)
	cat $^ > $@

# The router's install script built from the source: FILE.sql when
# PROXYVERSION has no frozen script, FILE.sql.check for proxy-check.
$(PROXY)--$(PROXYVERSION).sql $(PROXY)--$(PROXYVERSION).sql.check: $(PROXY_SOURCE) $(PROXY_INCLUDES)
	awk '/^--@include / { f = $$2; n = 0; \
			while ((r = (getline line < f)) > 0) { \
				gsub(/MODULE_PATHNAME/, "$$libdir/$(FG)", line); print line; n++ } \
			if (r < 0 || n == 0) { print "cannot include " f > "/dev/stderr"; exit 1 } \
			close(f); next } \
		{ print }' $(PROXY_SOURCE) > $@.tmp
	mv $@.tmp $@

# The source must still build the frozen script of PROXYVERSION, byte for
# byte; nothing to compare for a version that is not frozen yet.
.PHONY: proxy-check
ifneq ($(PROXY_FROZEN),)
proxy-check: $(PROXY)--$(PROXYVERSION).sql.check
	@if cmp -s $< $(PROXY_FROZEN); then \
		rm -f $<; echo "proxy-check: $(PROXY_SOURCE) builds the frozen $(PROXY_FROZEN)"; \
	else \
		diff -u $(PROXY_FROZEN) $< | head -60; rm -f $<; \
		echo "proxy-check: $(PROXY_SOURCE) and the fragments it includes no longer build the released $(PROXY_FROZEN) (above: frozen, then built); give the change a new default_version in $(PROXY).control and an upgrade script proxy/$(PROXY)--$(PROXYVERSION)--NEW.sql" >&2; \
		exit 1; \
	fi
else
proxy-check:
	@echo "proxy-check: $(PROXY) $(PROXYVERSION) is not released yet: built from $(PROXY_SOURCE)"
endif

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
