#!/bin/bash
# test/cassert/plproxy.sh: PL/Proxy for the assert-enabled PostgreSQL 18, so
# that the router's TAP tests (test/t/040-043) run there too, not only on 15.
#
#   bash test/cassert/plproxy.sh PG_CONFIG
#
# Debian packages PL/Proxy for 15 only (postgresql-15-plproxy); its sid
# source package does not download from the registry this project uses, but
# the upstream tarball of 2.11.0 that Debian ships in its pool does.  It is
# fetched once into $FG_CACHE (default /var/cache/follow_graph), checked
# against the SHA-256 recorded below, then built (bison and flex: the
# tarball has no generated parser) and installed into the installation
# PG_CONFIG names (a throwaway copy of the cassert build, never the cache
# itself).  Exits non-zero with a one-line reason when it cannot.
set -uo pipefail
pg_config=${1:?usage: plproxy.sh PG_CONFIG}
cache=${FG_CACHE:-/var/cache/follow_graph}
version=2.11.0
tarball=postgresql-plproxy_$version.orig.tar.gz
url=http://deb.debian.org/debian/pool/main/p/postgresql-plproxy/$tarball
sha256=9b65d918fc7027a529868a1a30cced974c1fdbf91c0f1d25f757b9f8ec80353f
tmp=
work=
trap 'rm -rf "$work" ${tmp:+"$tmp"}' EXIT
fail() { echo "PL/Proxy $version: $*" >&2; exit 1; }

missing=()
for t in curl bison flex; do
	command -v "$t" >/dev/null || missing+=("$t")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || fail "${missing[*]} missing (run as root to install them)"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >&2 ||
		fail "cannot install ${missing[*]}"
fi

if ! echo "$sha256  $cache/$tarball" | sha256sum -c --status 2>/dev/null; then
	mkdir -p "$cache" || fail "cannot create $cache"
	tmp=$(mktemp "$cache/.plproxy.XXXXXX") || fail "cannot write to $cache"
	curl -fsS -o "$tmp" "$url" || fail "cannot download $url"
	echo "$sha256  $tmp" | sha256sum -c --status ||
		fail "$url does not have the recorded SHA-256"
	chmod 644 "$tmp" && mv "$tmp" "$cache/$tarball" || fail "cannot store $cache/$tarball"
	tmp=
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/follow_graph_plproxy.XXXXXX") || fail "cannot make a work directory"
tar -xzf "$cache/$tarball" -C "$work" || fail "cannot unpack $cache/$tarball"
src=$work/plproxy-$version
{ make -C "$src" -s PG_CONFIG="$pg_config" && make -C "$src" -s PG_CONFIG="$pg_config" install; } \
	>"$work/make.log" 2>&1 || { tail -20 "$work/make.log" >&2; fail "build failed"; }
echo "PL/Proxy $version installed into $("$pg_config" --pkglibdir)"
