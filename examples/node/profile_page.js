'use strict'
// A profile page served from the follow_graph extension with node-postgres.
//
// Connects with the standard environment (PGHOST, PGPORT, PGDATABASE, PGUSER,
// PGPASSWORD) as a role that may call follow() (see ../setup.sql), shows
// alice's profile as seen by victor, follows her in a SERIALIZABLE
// transaction that is retried on serialization failures, and round-trips
// idset values in text and binary format.
//
// Ids are bigint: node-postgres returns int8 as a string (a JS Number cannot
// hold every 64-bit id), and this example keeps them as BigInt.
const { Client } = require('pg')

const ALICE = 7000000000000000001n
const VICTOR = 7000000000000000011n

// follow_graph.idset on the JS side: a sorted array of BigInt.
const idset = {
  fromText: (s) => (s === '{}' ? [] : s.slice(1, -1).split(',').map(BigInt)),
  toText: (ids) => '{' + ids.join(',') + '}',
  // version byte 1, int32 count, ascending int8 values, network order
  fromBinary (buf) {
    if (buf.readInt8(0) !== 1) throw new Error('unknown idset version')
    const ids = []
    for (let i = 0; i < buf.readInt32BE(1); i++) ids.push(buf.readBigInt64BE(5 + 8 * i))
    return ids
  },
  toBinary (ids) {
    const buf = Buffer.alloc(5 + 8 * ids.length)
    buf.writeInt8(1, 0)
    buf.writeInt32BE(ids.length, 1)
    ids.forEach((id, i) => buf.writeBigInt64BE(id, 5 + 8 * i))
    return buf
  }
}

async function connect () {
  const client = new Client()
  await client.connect()
  // int8 as BigInt, for this client only.
  client.setTypeParser(20, 'text', BigInt)
  // idset: the type's oid is known only once the extension is installed.
  const { rows } = await client.query("SELECT 'follow_graph.idset'::regtype::oid AS oid")
  client.setTypeParser(rows[0].oid, 'text', idset.fromText)
  return client
}

// Run body(client, attempt) in a SERIALIZABLE transaction, retrying
// serialization failures (40001) and deadlocks (40P01) with jittered
// exponential backoff.  The body must be safe to run again.
async function runTransaction (client, body, attempts = 5) {
  for (let attempt = 1; ; attempt++) {
    await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE')
    try {
      const result = await body(client, attempt)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK')
      if (!['40001', '40P01'].includes(err.code) || attempt === attempts) throw err
      console.log(`  attempt ${attempt}: ${err.code}, retrying`)
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt))
    }
  }
}

async function showCounts (client, label) {
  const { rows } = await client.query(
    'SELECT account, followers, following, mutuals FROM follow_graph.counts($1)',
    [[ALICE, VICTOR]])
  console.log(label)
  for (const r of rows) {
    console.log(`  ${r.account}: followers=${r.followers} following=${r.following} mutuals=${r.mutuals}`)
  }
}

async function main () {
  const client = await connect()

  // Counts of the profile and of the viewer: one call, O(1) each.
  await showCounts(client, 'counts')

  // Followers, newest first, 3 a page; the last cursor fetches the next page.
  const pageSql = 'SELECT follower, cursor FROM follow_graph.followers($1, $2, $3)'
  const page = (await client.query(pageSql, [ALICE, 3, null])).rows
  console.log('followers page 1:', page.map((r) => r.follower).join(' '))
  const cursor = page[page.length - 1].cursor
  console.log('next cursor:', String(cursor))
  const page2 = (await client.query(pageSql, [ALICE, 3, cursor])).rows
  console.log('followers page 2:', page2.map((r) => r.follower).join(' '))

  // The Follow buttons of both pages for the viewer, in one call.
  const ids = [...page, ...page2].map((r) => r.follower)
  console.log('relationships of', String(VICTOR))
  const rel = await client.query(
    'SELECT target, following, followed_by FROM follow_graph.relationships($1, $2)',
    [VICTOR, ids])
  for (const r of rel.rows) {
    console.log(`  ${r.target}: following=${r.following} followed_by=${r.followed_by}`)
  }

  // victor follows alice.  To show the retry at work, the first attempt is
  // raced by a second session in which alice follows victor back.
  const followAlice = async (client, attempt) => {
    const before = (await client.query('SELECT follow_graph.relationship($1, $2) AS r',
      [VICTOR, ALICE])).rows[0].r
    if (attempt === 1) {
      const other = new Client()
      await other.connect()
      try {
        await other.query('SELECT follow_graph.follow($1, $2)', [ALICE, VICTOR])
      } finally {
        await other.end()
      }
    }
    const created = (await client.query('SELECT follow_graph.follow($1, $2) AS f',
      [VICTOR, ALICE])).rows[0].f
    return { before, created, attempt }
  }
  const f = await runTransaction(client, followAlice)
  console.log(`follow: was ${f.before}, new edge=${f.created}, attempts=${f.attempt}`)
  const now = await client.query('SELECT follow_graph.relationship($1, $2) AS r', [VICTOR, ALICE])
  console.log('now:', now.rows[0].r)
  await showCounts(client, 'counts after')

  // idset: the followers as a set, fetched in text and in binary format.
  // node-postgres decodes binary result columns (binary: true) as UTF-8 text
  // before the type parser sees them, which corrupts bytes >= 0x80
  // (brianc/node-postgres#3495, open), so read the binary form as a bytea:
  // follow_graph.idset_send(v) is exactly what the server sends in binary.
  const asText = (await client.query('SELECT follow_graph.followers_set($1) AS s', [ALICE])).rows[0].s
  const asBinary = idset.fromBinary((await client.query(
    'SELECT follow_graph.idset_send(follow_graph.followers_set($1)) AS b', [ALICE])).rows[0].b)
  console.log(`followers_set: ${asText.length} ids, text == binary: ${same(asText, asBinary)}`)

  // Send an idset as text (a string) and as binary (a Buffer: node-postgres
  // sends Buffers in binary format), read it back both ways.
  const sent = [-(2n ** 63n), -1n, 0n, ALICE, 2n ** 63n - 1n]
  for (const [name, param] of [['text', idset.toText(sent)], ['binary', idset.toBinary(sent)]]) {
    const { rows } = await client.query(
      'SELECT v, follow_graph.idset_send(v) AS b, v::text AS t FROM (SELECT $1::follow_graph.idset AS v) AS s',
      [param])
    for (const [readAs, got] of [['text', rows[0].v], ['binary', idset.fromBinary(rows[0].b)]]) {
      console.log(`idset sent as ${name}, read as ${readAs}: ${rows[0].t} equal=${same(got, sent)}`)
    }
  }
  await client.end()
}

function same (a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
