#!/usr/bin/env python3
"""A profile page served from the follow_graph extension with psycopg 3.

Connects with the standard libpq environment (PGHOST, PGPORT, PGDATABASE,
PGUSER, PGPASSWORD) as a role that may call follow() (see ../setup.sql),
shows alice's profile as seen by victor, follows her in a SERIALIZABLE
transaction that is retried on serialization failures, and round-trips
idset values in text and binary format.
"""
import random
import struct
import time

import psycopg
from psycopg import errors
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

ALICE, VICTOR = 7000000000000000001, 7000000000000000011


class IdSet(frozenset):
    """A follow_graph.idset on the Python side: a frozenset of ints."""


class IdSetTextDumper(Dumper):
    def dump(self, obj):
        return ("{" + ",".join(map(str, sorted(obj))) + "}").encode()


class IdSetBinaryDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj):
        # version byte 1, int32 count, ascending int8 values, network order
        ids = sorted(obj)
        return struct.pack(f"!bi{len(ids)}q", 1, len(ids), *ids)


class IdSetTextLoader(Loader):
    def load(self, data):
        body = bytes(data).decode()[1:-1]
        return IdSet(int(x) for x in body.split(",")) if body else IdSet()


class IdSetBinaryLoader(Loader):
    format = Format.BINARY

    def load(self, data):
        version, count = struct.unpack_from("!bi", data)
        assert version == 1
        return IdSet(struct.unpack_from(f"!{count}q", data, 5))


def register_idset(conn):
    """Teach this connection to send and receive follow_graph.idset."""
    info = TypeInfo.fetch(conn, "follow_graph.idset")
    for dumper in (IdSetTextDumper, IdSetBinaryDumper):
        dumper.oid = info.oid
        conn.adapters.register_dumper(IdSet, dumper)
    conn.adapters.register_loader(info.oid, IdSetTextLoader)
    conn.adapters.register_loader(info.oid, IdSetBinaryLoader)


def run_transaction(conn, body, attempts=5):
    """Run body(conn, attempt) in a transaction, retrying serialization
    failures (40001) and deadlocks (40P01) with jittered exponential backoff.
    The body must be safe to run again: every retry starts from scratch."""
    for attempt in range(1, attempts + 1):
        try:
            with conn.transaction():
                return body(conn, attempt)
        except (errors.SerializationFailure, errors.DeadlockDetected) as e:
            if attempt == attempts:
                raise
            print(f"  attempt {attempt}: {e.sqlstate}, retrying")
            time.sleep(random.uniform(0, 0.02 * 2 ** attempt))


def flag(b):
    return "true" if b else "false"


def show_counts(conn, label):
    rows = conn.execute(
        "SELECT account, followers, following, mutuals FROM follow_graph.counts(%s)",
        [[ALICE, VICTOR]]).fetchall()
    print(label)
    for account, followers, following, mutuals in rows:
        print(f"  {account}: followers={followers} following={following} mutuals={mutuals}")


def main():
    # Autocommit for single reads; run_transaction() opens SERIALIZABLE ones.
    conn = psycopg.connect(autocommit=True)
    conn.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
    register_idset(conn)

    # Counts of the profile and of the viewer: one call, O(1) each.
    show_counts(conn, "counts")

    # Followers, newest first, 3 a page; the last cursor fetches the next page.
    page_sql = "SELECT follower, cursor FROM follow_graph.followers(%s, %s, %s)"
    page = conn.execute(page_sql, [ALICE, 3, None]).fetchall()
    print("followers page 1:", " ".join(str(f) for f, _ in page))
    cursor = page[-1][1]
    print("next cursor:", cursor)
    page2 = conn.execute(page_sql, [ALICE, 3, cursor]).fetchall()
    print("followers page 2:", " ".join(str(f) for f, _ in page2))

    # The Follow buttons of both pages for the viewer, in one call.
    ids = [f for f, _ in page + page2]
    print("relationships of", VICTOR)
    for target, following, followed_by in conn.execute(
            "SELECT target, following, followed_by FROM follow_graph.relationships(%s, %s)",
            [VICTOR, ids]):
        print(f"  {target}: following={flag(following)} followed_by={flag(followed_by)}")

    # victor follows alice.  To show the retry at work, the first attempt is
    # raced by a second session in which alice follows victor back.
    def follow_alice(conn, attempt):
        before = conn.execute("SELECT follow_graph.relationship(%s, %s)",
                              [VICTOR, ALICE]).fetchone()[0]
        if attempt == 1:
            with psycopg.connect(autocommit=True) as other:
                other.execute("SELECT follow_graph.follow(%s, %s)", [ALICE, VICTOR])
        created = conn.execute("SELECT follow_graph.follow(%s, %s)",
                               [VICTOR, ALICE]).fetchone()[0]
        return before, created, attempt

    before, created, attempts = run_transaction(conn, follow_alice)
    print(f"follow: was {before}, new edge={flag(created)}, attempts={attempts}")
    rel = conn.execute("SELECT follow_graph.relationship(%s, %s)", [VICTOR, ALICE]).fetchone()[0]
    print("now:", rel)
    show_counts(conn, "counts after")

    # idset: the followers as a set, fetched in text and in binary format.
    sql = "SELECT follow_graph.followers_set(%s)"
    as_text = conn.execute(sql, [ALICE]).fetchone()[0]
    as_binary = conn.execute(sql, [ALICE], binary=True).fetchone()[0]
    print(f"followers_set: {len(as_text)} ids, text == binary: {flag(as_text == as_binary)}")

    # Send an idset in text (%t) and in binary (%b) format, read it back in
    # text and in binary (binary=True) format, and compare exactly.
    sent = IdSet({-2**63, -1, 0, ALICE, 2**63 - 1})
    queries = {
        "text": "SELECT v, v::text FROM (SELECT %t::follow_graph.idset AS v) AS s",
        "binary": "SELECT v, v::text FROM (SELECT %b::follow_graph.idset AS v) AS s",
    }
    for sent_as, query in queries.items():
        for read_as in ("text", "binary"):
            got, server_text = conn.execute(query, [sent], binary=(read_as == "binary")).fetchone()
            print(f"idset sent as {sent_as}, read as {read_as}: {server_text}"
                  f" equal={flag(got == sent)}")
    conn.close()


if __name__ == "__main__":
    main()
