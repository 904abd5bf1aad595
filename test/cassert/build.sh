#!/bin/bash
# test/cassert/build.sh: an assert-enabled PostgreSQL 18 built from Debian's
# own source package, cached outside the clone.
#
#   bash test/cassert/build.sh      print the install prefix (build it first
#                                   if the cache does not hold this version)
#
# The cache lives in $FG_CACHE (default /var/cache/follow_graph) and is keyed
# by the source package's version, so it is rebuilt only when Debian ships a
# new one.  --enable-cassert turns on MEMORY_CONTEXT_CHECKING, which from 16 on
# always leaves room for a sentinel after every chunk: a write past the end of
# a palloc'd buffer is reported as "detected write past chunk end".
# Progress goes to stderr, the prefix alone to stdout.
#
# Everything is installed under the prefix, so that a copy of it (cp -a) is a
# complete, relocated installation: tests install the extension into such a
# copy, never into the cache.  Debian's 50-per-version-dirs patch would put
# pkglibdir (modules, PGXS) at /usr/lib/postgresql/18/lib whatever the prefix,
# unless libdir already names "postgres"; hence --libdir=<prefix>/lib/postgresql.
# $recipe is part of the cache key: bump it when the build recipe changes.
set -euo pipefail
cache=${FG_CACHE:-/var/cache/follow_graph}
recipe=r2
log() { printf '%s\n' "$*" >&2; }

need=(bison flex libreadline-dev zlib1g-dev libicu-dev pkg-config dpkg-dev libipc-run-perl make gcc)
missing=()
for p in "${need[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
src_list=/etc/apt/sources.list.d/follow_graph-sid-src.sources
if [ ! -e "$src_list" ] && ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ ; then
	cat >"$src_list" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt-get update -qq >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
	log "cassert build: installing ${missing[*]}"
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

# Which version does Debian ship now?  Fall back to the newest cached build
# when the archive cannot be asked.
version=$(apt-cache showsrc postgresql-18 2>/dev/null | awk '/^Version:/ {print $2}' | sort -V | tail -1 || true)
if [ -z "$version" ]; then
	apt-get update -qq >&2 || true
	version=$(apt-cache showsrc postgresql-18 2>/dev/null | awk '/^Version:/ {print $2}' | sort -V | tail -1 || true)
fi
if [ -z "$version" ]; then
	prefix=$(ls -d "$cache"/pg-18-*-$recipe-cassert 2>/dev/null | sort -V | tail -1 || true)
	[ -n "$prefix" ] && [ -e "$prefix/.complete" ] || { log "cassert build: no postgresql-18 source package and no cache"; exit 1; }
	echo "$prefix"; exit 0
fi
prefix=$cache/pg-18-$version-$recipe-cassert
if [ -x "$prefix/bin/postgres" ] && [ -e "$prefix/.complete" ]; then
	echo "$prefix"; exit 0
fi

# One build at a time; a second caller waits, then finds the cache filled.
mkdir -p "$cache"
chmod 755 "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -x "$prefix/bin/postgres" ] && [ -e "$prefix/.complete" ]; then
	echo "$prefix"; exit 0
fi

log "cassert build: PostgreSQL 18 $version with --enable-cassert (cold cache: about 5-10 minutes)"
work=$cache/build-$version
rm -rf "$work" "$prefix"
mkdir -p "$work"
( cd "$work" && apt-get source -qq "postgresql-18=$version" >&2 )
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'postgresql-18*' | head -1)
cd "$srcdir"
./configure --prefix="$prefix" --libdir="$prefix/lib/postgresql" \
	--enable-cassert --enable-debug --enable-tap-tests \
	--with-icu --without-llvm CFLAGS='-O1 -g' >"$work/configure.log" 2>&1 \
	|| { tail -30 "$work/configure.log" >&2; exit 1; }
make -s -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
make -s install >>"$work/make.log" 2>&1
make -s -C contrib install >>"$work/make.log" 2>&1
make -s -C src/test/isolation install >>"$work/make.log" 2>&1
make -s -C src/test/perl install >>"$work/make.log" 2>&1
make -s -C src/test/regress install >>"$work/make.log" 2>&1 || true
[ "$("$prefix/bin/pg_config" --pkglibdir)" = "$prefix/lib/postgresql" ] \
	|| { log "cassert build: pkglibdir is outside $prefix"; exit 1; }
touch "$prefix/.complete"
cd /
rm -rf "$work"
log "cassert build: done, $prefix"
echo "$prefix"
