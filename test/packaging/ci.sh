#!/bin/bash
# test/packaging/ci.sh [DIR]: CI check of the Debian packaging (debian/).
#
# Builds postgresql-15-follow-graph with dpkg-buildpackage -us -uc -b from a
# copy of the tree in DIR (its build-time test runs the regression suite
# against the package's own files), installs the .deb with dpkg, checks its
# file list, creates the extension in a fresh pg_virtualenv cluster, updates
# from 0.1.0 to the current version, runs a smoke query, then purges the
# package and checks that it left nothing behind.  It also checks that
# debian/changelog and META.json agree with the control file.  Run as root.
#
# CI runs this after `make install` of the same tree, whose files sit at the
# very paths the package owns: installing the package over them would prove
# nothing, and purging it would delete them for the checks that follow.  So
# the whole check runs in a private mount namespace with overlays on /usr,
# /etc and /var: the make-installed files are hidden there first, so only
# the package can provide the extension, and every change (files, dpkg's
# database, debconf, logs) is thrown away when the namespace ends.  The
# system, and anything running beside the check, never sees the package.
# Where namespaces or overlayfs are not available, the check runs on the
# real system instead: it saves the make-installed files, removes them, and
# puts them back at the end (also on failure); FG_PKG_NO_NAMESPACE=1 forces
# this mode.
set -euo pipefail
major=15
pkg=postgresql-$major-follow-graph
share=/usr/share/postgresql/$major/extension
lib=/usr/lib/postgresql/$major/lib

say() { printf -- '-- %s\n' "$*"; }
die() { echo "packaging check FAILED: $*" >&2; exit 1; }

# The extension's files (and JIT bitcode directory) in the PostgreSQL
# directories, whoever put them there.
installed_files() {
	{
		find "$share" "$lib" -maxdepth 1 -name 'follow_graph*'
		find "$lib/bitcode" -maxdepth 1 -name 'follow_graph*'
	} 2>/dev/null | sort
}

# Checksums of the files above, to compare the system before and after.
installed_sums() {
	installed_files | xargs -r -I{} find {} -type f | sort | xargs -r md5sum
}

# Build dependencies that are missing, installed without upgrading
# postgresql-common as a side effect (the -all packages pin its version).
install_build_deps() {
	local want=(debhelper dpkg-dev fakeroot libicu-dev pkg-config
		postgresql-server-dev-all postgresql-all)
	local missing=() p common
	common=$(dpkg-query -W -f='${Version}' postgresql-common)
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' && continue
		case $p in
		*-all) apt-cache madison "$p" | grep -q " $common " && p="$p=$common" ;;
		esac
		missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing build dependencies: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# Release metadata agrees with the control file: debian/changelog's version,
# and META.json (PGXN meta spec 1.0.0: its required keys, the versions, and
# provides.<extension>.file naming a file of the tree that is not the frozen
# install script of another release).
check_metadata() {
	local src=$1 ver deb
	ver=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$src/follow_graph.control")
	deb=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
	if [ "${deb%%-*}" != "$ver" ]; then
		echo "debian/changelog is at $deb, the extension at $ver"
		return 1
	fi
	/usr/bin/python3 - "$src" "$ver" <<'PY'
import json, os, re, sys
src, ver = sys.argv[1], sys.argv[2]
meta = json.load(open(os.path.join(src, "META.json")))
bad = [f"missing key {k!r}" for k in
       ("name", "version", "abstract", "maintainer", "license", "provides", "meta-spec")
       if k not in meta]
if not re.fullmatch(r"1\.0\.\d+", str(meta.get("meta-spec", {}).get("version"))):
    bad.append("meta-spec version is not 1.0.x")
if meta.get("version") != ver:
    bad.append(f"version {meta.get('version')!r}, the extension is at {ver}")
def control_version(ext):
    try:
        text = open(os.path.join(src, ext + ".control")).read()
    except OSError:
        return None
    m = re.search(r"^default_version\s*=\s*'([^']*)'", text, re.M)
    return m.group(1) if m else None
controls = sorted(f[:-len(".control")] for f in os.listdir(src) if f.endswith(".control"))
for ext in controls:
    if ext not in meta.get("provides", {}):
        bad.append(f"provides has no entry for {ext} ({ext}.control)")
for ext, p in meta.get("provides", {}).items():
    ever = control_version(ext)
    if ever is None:
        bad.append(f"provides.{ext} has no {ext}.control with a default_version")
    elif p.get("version") != ever:
        bad.append(f"provides.{ext}.version {p.get('version')!r}, {ext}.control is at {ever}")
    for key in ("file", "docfile"):
        f = p.get(key)
        if key == "file" or f is not None:
            if not f or not os.path.isfile(os.path.join(src, f)):
                bad.append(f"provides.{ext}.{key} {f!r} is not a file of the tree")
    m = re.fullmatch(r"sql/[a-z_]+--([0-9.]+)\.sql", p.get("file") or "")
    if m and m.group(1) != control_version(ext):
        bad.append(f"provides.{ext}.file {p['file']!r} is the frozen install script of {m.group(1)}")
for b in bad:
    print("META.json:", b)
sys.exit(1 if bad else 0)
PY
}

# The check proper; runs inside the namespace (or on the real system).
check() {
	local src=$1 work=$2 t0 t1 deb ver want f out expected

	say "release metadata (debian/changelog, META.json)"
	local meta_ok=1
	check_metadata "$src" || meta_ok=0

	say "hiding the make-installed extension files"
	installed_files | xargs -r rm -rf
	[ -z "$(installed_files)" ] || die "could not hide the installed files"
	! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
		die "$pkg is installed already"

	say "dpkg-buildpackage -us -uc -b"
	mkdir "$work/build"
	tar -C "$src" --exclude=.git --exclude=node_modules --exclude=results \
		--exclude=tmp_check --exclude=output_iso --exclude=log -cf - . |
		tar -C "$work/build" -xf -
	t0=$(date +%s)
	if ! (cd "$work/build" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
		tail -n 60 "$work/build.log"
		die "dpkg-buildpackage failed"
	fi
	t1=$(date +%s)
	grep -E 'tests passed|tests failed' "$work/build.log" || true
	say "build took $((t1 - t0)) s"
	ver=$(dpkg-parsechangelog -l "$work/build/debian/changelog" -S Version)
	deb=$work/${pkg}_${ver}_$(dpkg --print-architecture).deb
	[ -f "$deb" ] || die "no $deb"

	say "dpkg -i $(basename "$deb")"
	dpkg --log=/dev/null -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; die "dpkg -i failed"; }

	say "file list"
	ver=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$src/follow_graph.control")
	want=("$share/follow_graph.control" "$share/follow_graph--$ver.sql"
		"$lib/follow_graph.so" "/usr/share/doc/$pkg/copyright")
	for f in "$src"/sql/follow_graph--*.sql; do
		want+=("$share/$(basename "$f")")
	done
	# The router: its control file, the install script of its version (the
	# frozen proxy/follow_graph_proxy--V.sql, or the one the Makefile builds
	# from proxy/follow_graph_proxy.sql.in while V is not released) and its
	# other frozen scripts.
	pver=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$src/follow_graph_proxy.control")
	want+=("$share/follow_graph_proxy.control")
	[ -e "$src/proxy/follow_graph_proxy--$pver.sql" ] || want+=("$share/follow_graph_proxy--$pver.sql")
	for f in "$src"/proxy/follow_graph_proxy--*.sql; do
		if [ -e "$f" ]; then want+=("$share/$(basename "$f")"); fi
	done
	for f in "${want[@]}"; do
		dpkg -L "$pkg" | grep -qxF "$f" || die "the package lacks $f"
		[ -f "$f" ] || die "$f is not installed"
	done
	# Released scripts are shipped as frozen in the tree, byte for byte.
	for f in "$src"/sql/follow_graph--*.sql "$src"/proxy/follow_graph_proxy--*.sql; do
		[ -e "$f" ] || continue
		cmp -s "$share/$(basename "$f")" "$f" ||
			die "the packaged $(basename "$f") differs from the frozen ${f#$src/}"
	done
	printf '%s\n' "${want[@]}"

	say "CREATE EXTENSION and ALTER EXTENSION UPDATE in a fresh cluster"
	versions=$(printf '%s\n' "${want[@]}" | sed -n 's|.*/follow_graph--\([^-]*\)\.sql$|\1|p' |
		sort -V | paste -sd'|')
	expected="$versions
$ver
t|t|t
1|2|1|1
2|1|1|1
3|0|1|0
{1,2,3}
0
0.1.0
t|t
$ver
1|1|1|1
2|1|1|1
0"
	sql="SELECT string_agg(version, '|' ORDER BY string_to_array(version, '.')::int[])
  FROM pg_available_extension_versions WHERE name = 'follow_graph';
CREATE EXTENSION follow_graph;
SELECT extversion FROM pg_extension WHERE extname = 'follow_graph';
SELECT follow_graph.follow(1, 2), follow_graph.follow(2, 1), follow_graph.follow(3, 1);
SELECT account, followers, following, mutuals FROM follow_graph.counts('{1,2,3}');
SELECT follow_graph.idset('{3,1,2,3}'::bigint[])::text;
SELECT count(*) FROM follow_graph.verify();
DROP EXTENSION follow_graph;
CREATE EXTENSION follow_graph VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'follow_graph';
SELECT follow_graph.follow(1, 2), follow_graph.follow(2, 1);
ALTER EXTENSION follow_graph UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'follow_graph';
SELECT account, followers, following, mutuals FROM follow_graph.counts('{1,2}');
SELECT count(*) FROM follow_graph.verify();"
	# psql reads the script from stdin: the server user cannot read $work.
	out=$(cd / && runuser -u postgres -- pg_virtualenv -v "$major" \
		psql -X -q -At -v ON_ERROR_STOP=1 -f - <<<"$sql" 2>"$work/psql.err") ||
		{ echo "$out"; cat "$work/psql.err"; die "SQL smoke test failed"; }
	out=$(printf '%s\n' "$out" | grep -v '^Creating new PostgreSQL cluster\|^Dropping cluster')
	if [ "$out" != "$expected" ]; then
		diff -u <(echo "$expected") <(echo "$out") || true
		die "unexpected SQL output"
	fi
	echo "$out" | sed 's/^/   /'

	say "dpkg --purge $pkg"
	dpkg --log=/dev/null --purge "$pkg" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; die "dpkg --purge failed"; }
	[ -z "$(installed_files)" ] || { installed_files; die "files left behind after purge"; }
	[ ! -e "/usr/share/doc/$pkg" ] || die "/usr/share/doc/$pkg left behind after purge"
	say "package built, installed, tested and purged"
	[ $meta_ok -eq 1 ] || die "release metadata disagrees with follow_graph.control (see above)"
}

# Inside the namespace: overlay /usr, /etc and /var, then check.
if [ "${1:-}" = --inner ]; then
	src=$2 work=$3
	for d in /usr /etc /var; do
		mkdir -p "$work/ov$d/upper" "$work/ov$d/work"
		mount -t overlay overlay \
			-o "lowerdir=$d,upperdir=$work/ov$d/upper,workdir=$work/ov$d/work" "$d"
	done
	check "$src" "$work"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "run as root"
src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
work=$(mktemp -d /tmp/follow_graph_pkg.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"	# pg_virtualenv's server reads debian/<package> from here
before=$(installed_sums)
start=$(date +%s)
install_build_deps

probe() {
	mkdir -p "$work/probe/u" "$work/probe/w" "$work/probe/m"
	unshare -m sh -c "mount -t overlay overlay -o lowerdir=/etc,upperdir=$work/probe/u,workdir=$work/probe/w $work/probe/m" 2>/dev/null
}
rc=0
if [ -z "${FG_PKG_NO_NAMESPACE:-}" ] && probe; then
	say "private mount namespace with overlays on /usr, /etc and /var"
	unshare -m --propagation private bash "$0" --inner "$src" "$work" || rc=$?
else
	say "no mount namespace here: testing on the real system, restoring the make-installed files afterwards"
	saved=$work/saved.tar
	installed_files | tar -cPf "$saved" -T - 2>/dev/null || true
	restore() {
		dpkg --purge "$pkg" >/dev/null 2>&1 || true
		[ -s "$saved" ] && tar -xPf "$saved"
		rm -rf "$work"
	}
	trap restore EXIT
	(check "$src" "$work") || rc=$?
	restore
	trap - EXIT
fi
rm -rf "$work"
after=$(installed_sums)
[ "$before" = "$after" ] || { echo "$before"; echo "$after"; die "the system's extension files changed"; }
say "packaging check took $(($(date +%s) - start)) s"
exit $rc
