# Handles across pg_dump/restore and pg_upgrade:
# - the recorded ICU version is not dumped: a restore records the restoring
#   server's, so it never warns falsely;
# - pg_upgrade keeps it (the table's file is carried over), so a new server
#   on another ICU would warn;
# - a stored value that input now rejects (as 0.1.0 stored) makes a restore
#   fail; handle_invalid_values() finds it before the dump, and once it is
#   rewritten the dump restores.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $old = PostgreSQL::Test::Cluster->new('old');
$old->init;
$old->start;

$old->safe_psql('postgres', 'CREATE DATABASE src');
$old->safe_psql('src', q{
	CREATE EXTENSION follow_graph;
	CREATE TABLE users (id int PRIMARY KEY, h follow_graph.handle NOT NULL UNIQUE);
	CREATE UNIQUE INDEX users_skel ON users (follow_graph.handle_skeleton(h));
	INSERT INTO users VALUES (1, 'Alice'), (2, 'straße'), (3, 'Ολυμπία');
	-- as if the handle data had been computed with another ICU
	UPDATE follow_graph.handle_icu_version SET icu_version = '1.0', unicode_version = '1.1';
});

# psql's stderr for a query that computes with ICU in a new backend.
sub icu_use_stderr
{
	my ($node, $db) = @_;
	my ($stdout, $stderr);
	$node->psql($db, q{SELECT 'Ölga'::follow_graph.handle},
		stdout => \$stdout, stderr => \$stderr);
	return $stderr;
}

my $current = $old->safe_psql('src',
	'SELECT follow_graph.icu_library_version() || \'/\' || follow_graph.icu_unicode_version()');
like(icu_use_stderr($old, 'src'), qr/ICU data of follow_graph handles has version mismatch/,
	'a recorded version that differs from the library warns');

# Dump and restore: the version is recorded anew, nothing warns.
my $dump = $old->basedir . '/src.dump';
$old->command_ok([ 'pg_dump', '-Fc', '-d', $old->connstr('src'), '-f', $dump ], 'pg_dump');
$old->safe_psql('postgres', 'CREATE DATABASE dst');
$old->command_ok([ 'pg_restore', '--exit-on-error', '-d', $old->connstr('dst'), $dump ],
	'pg_restore');
is($old->safe_psql('dst',
	q{SELECT icu_version || '/' || unicode_version FROM follow_graph.handle_icu_version}),
	$current, 'restore records the restoring server\'s ICU version, not the dumped one');
is(icu_use_stderr($old, 'dst'), '', 'no version warning after a restore');
is($old->safe_psql('dst', q{SELECT string_agg(h::text, ',' ORDER BY id) FROM users}),
	'Alice,straße,Ολυμπία', 'handles restored');

# A value 0.1.0 accepted and input now rejects ("bobㅤ", a Hangul filler
# that vanished from its key), made with the bytes 0.1.0 stored.
$old->safe_psql('src', q{
	CREATE CAST (bytea AS follow_graph.handle) WITHOUT FUNCTION;
	INSERT INTO users VALUES (4, '\x000300626f62626f62e385a4'::bytea::follow_graph.handle);
	DROP CAST (bytea AS follow_graph.handle);
});
is($old->safe_psql('src',
	q{SELECT table_name || ' ' || column_name || ' ' || value FROM follow_graph.handle_invalid_values()}),
	'users h bobㅤ', 'handle_invalid_values() finds the value before the dump');
$old->command_ok([ 'pg_dump', '-Fc', '-d', $old->connstr('src'), '-f', $dump ],
	'pg_dump of a table with the value');
$old->safe_psql('postgres', 'CREATE DATABASE dst2');
$old->command_fails([ 'pg_restore', '--exit-on-error', '-d', $old->connstr('dst2'), $dump ],
	'its dump does not restore');

$old->safe_psql('src', q{UPDATE users SET h = 'bob_' WHERE id = 4});
is($old->safe_psql('src', 'SELECT count(*) FROM follow_graph.handle_invalid_values()'), '0',
	'nothing left after rewriting it');
$old->command_ok([ 'pg_dump', '-Fc', '-d', $old->connstr('src'), '-f', $dump ], 'pg_dump again');
$old->safe_psql('postgres', 'DROP DATABASE dst2');
$old->safe_psql('postgres', 'CREATE DATABASE dst2');
$old->command_ok([ 'pg_restore', '--exit-on-error', '-d', $old->connstr('dst2'), $dump ],
	'the fixed dump restores');

# pg_upgrade carries the table's file, so the recorded version survives.
$old->stop;
my $new = PostgreSQL::Test::Cluster->new('new');
$new->init;
my $bindir = $new->config_data('--bindir');
my $workdir = $new->basedir . '/upgrade';
mkdir $workdir;
chdir $workdir;
command_ok(
	[ 'pg_upgrade', '--no-sync', '-d', $old->data_dir, '-D', $new->data_dir,
	  '-b', $bindir, '-B', $bindir, '-s', $new->host, '-p', $old->port, '-P', $new->port ],
	'pg_upgrade');
$new->start;
is($new->safe_psql('src',
	q{SELECT icu_version || '/' || unicode_version FROM follow_graph.handle_icu_version}),
	'1.0/1.1', 'pg_upgrade keeps the recorded ICU version');
like(icu_use_stderr($new, 'src'), qr/ICU data of follow_graph handles has version mismatch/,
	'so the upgraded server still warns');
$new->safe_psql('src', 'SELECT follow_graph.handle_refresh_icu_version()');
is(icu_use_stderr($new, 'src'), '', 'until the version is recorded again');

$new->stop;
done_testing();
