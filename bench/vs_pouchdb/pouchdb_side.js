// PouchDB's side of the side-by-side bench (docs/PERFORMANCE.md): the same
// records, bulk-loaded into a local PouchDB (LevelDB), replicated over HTTP on
// loopback to express-pouchdb (PouchDB 9, LevelDB), then replicated from there
// into an empty database, as a second device's first pull. Prints one JSON
// line per phase. Usage: node pouchdb_side.js RECORDS.jsonl WORK_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const PouchDB = require('pouchdb');
const express = require('express');

async function main() {
  const [jsonl, work] = process.argv.slice(2);
  fs.rmSync(work, {recursive: true, force: true});
  fs.mkdirSync(work, {recursive: true});
  const docs = fs.readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).map(JSON.parse);
  const Server = PouchDB.defaults({prefix: path.join(work, 'server-')});
  const app = express();
  app.use('/', require('express-pouchdb')(Server, {
    mode: 'minimumForPouchDB', inMemoryConfig: true, logPath: path.join(work, 'log.txt')}));
  const srv = app.listen(0, '127.0.0.1');
  await new Promise((ok) => srv.once('listening', ok));
  const url = `http://127.0.0.1:${srv.address().port}/ledger`;

  const local = new PouchDB(path.join(work, 'school-pc'));
  for (let i = 0; i < docs.length; i += 1000) await local.bulkDocs(docs.slice(i, i + 1000));
  const remote = new PouchDB(url);
  let t = process.hrtime.bigint();
  const pushed = await local.replicate.to(remote, {batch_size: 500});
  let s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(JSON.stringify({phase: 'push', records: pushed.docs_written, seconds: s}));

  const fresh = new PouchDB(path.join(work, 'second-pc'));
  t = process.hrtime.bigint();
  const pulled = await fresh.replicate.from(remote, {batch_size: 500});
  s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(JSON.stringify({phase: 'pull', records: pulled.docs_written, seconds: s}));
  srv.close();
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
