#include "client/ledger/ledger_schema.h"

#include <set>
#include <string>

#include "shared/schema.h"

namespace rectify {

namespace {

// Version 1 is kept verbatim, as shipped: old files were written by it, and a
// migration test recreates such a file with it. Never edit; add a version.
constexpr const char* kV1 = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE school(id TEXT PRIMARY KEY, school_id TEXT NOT NULL, name TEXT, org_name TEXT,
  phone TEXT, postal TEXT, email TEXT, completion_rule TEXT, warn_days INTEGER,
  deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE inspection(id TEXT PRIMARY KEY, school_id TEXT NOT NULL, group_name TEXT,
  kind TEXT, onsite_from TEXT, onsite_to TEXT, feedback_date TEXT, plan_date TEXT, phase TEXT,
  ordinal INTEGER, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE aspect(id TEXT PRIMARY KEY, school_id TEXT NOT NULL, inspection_id TEXT,
  ordinal INTEGER, title TEXT, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE category(id TEXT PRIMARY KEY, school_id TEXT NOT NULL, aspect_id TEXT,
  ordinal INTEGER, title TEXT, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE problem(id TEXT PRIMARY KEY, school_id TEXT NOT NULL, inspection_id TEXT,
  aspect_id TEXT, category_id TEXT, number INTEGER, title TEXT, detail TEXT, kind TEXT,
  status TEXT, status_reason TEXT, deadline TEXT, department TEXT, person TEXT, result TEXT,
  deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE measure(id TEXT PRIMARY KEY, school_id TEXT NOT NULL, problem_id TEXT,
  ordinal INTEGER, text TEXT, owner TEXT, deadline TEXT, done_date TEXT,
  deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE progress_note(id TEXT PRIMARY KEY, school_id TEXT NOT NULL, problem_id TEXT,
  date TEXT, author TEXT, text TEXT, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE evidence(id TEXT PRIMARY KEY, school_id TEXT NOT NULL, problem_id TEXT,
  measure_id TEXT, sha256 TEXT, name TEXT, size INTEGER, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE accountability(id TEXT PRIMARY KEY, school_id TEXT NOT NULL, inspection_id TEXT,
  kind TEXT, label TEXT, count INTEGER, amount_fen INTEGER, note TEXT,
  deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE next_step(id TEXT PRIMARY KEY, school_id TEXT NOT NULL, inspection_id TEXT,
  ordinal INTEGER, text TEXT, deleted INTEGER NOT NULL DEFAULT 0);
CREATE INDEX problem_by_number ON problem(inspection_id, number);
CREATE INDEX measure_by_problem ON measure(problem_id, ordinal);
CREATE INDEX note_by_problem ON progress_note(problem_id);
CREATE INDEX aspect_by_inspection ON aspect(inspection_id, ordinal);
CREATE INDEX category_by_aspect ON category(aspect_id, ordinal);
CREATE TABLE field_stamp(entity TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
  hlc INTEGER NOT NULL, device_id TEXT NOT NULL, author TEXT NOT NULL,
  PRIMARY KEY(entity, row_id, field)) WITHOUT ROWID;
CREATE TABLE canon_field(entity TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
  value, hlc INTEGER NOT NULL, device_id TEXT NOT NULL, author TEXT NOT NULL,
  school_id TEXT NOT NULL, PRIMARY KEY(entity, row_id, field)) WITHOUT ROWID;
CREATE TABLE outbox(device_seq INTEGER PRIMARY KEY, entity TEXT NOT NULL, row_id TEXT NOT NULL,
  op BLOB NOT NULL, state TEXT NOT NULL CHECK(state IN ('pending', 'acked')));
CREATE INDEX outbox_by_row ON outbox(entity, row_id);
CREATE TABLE conflicts(id INTEGER PRIMARY KEY, server_id TEXT NOT NULL DEFAULT '',
  entity TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
  winner_value, winner_author TEXT, winner_device TEXT, winner_hlc INTEGER,
  loser_value, loser_author TEXT, loser_device TEXT, loser_hlc INTEGER,
  rule TEXT, resolved INTEGER NOT NULL DEFAULT 0);
)sql";

// Version 2: the notice date of an inspection and titled next steps (seed
// notices print "（一）标题。正文").
constexpr const char* kV2 = R"sql(
ALTER TABLE inspection ADD COLUMN notice_date TEXT;
ALTER TABLE next_step ADD COLUMN title TEXT;
CREATE INDEX next_step_by_inspection ON next_step(inspection_id, ordinal);
)sql";

// Version 3: pending ops found without scanning acknowledged ones, so a long
// push stays linear (bench_push showed PendingOps scanning the whole outbox).
constexpr const char* kV3 = R"sql(
CREATE INDEX outbox_pending ON outbox(device_seq) WHERE state = 'pending';
)sql";

// Version 4: a problem the school marks internal (内部) is left out of the
// public notice (社会公开稿, docs/cli.md "the notice").
constexpr const char* kV4 = R"sql(
ALTER TABLE problem ADD COLUMN internal INTEGER;
)sql";

constexpr const char* kMigrations[] = {kV1, kV2, kV3, kV4};
static_assert(std::size(kMigrations) == kLedgerSchemaVersion);

}  // namespace

Status MigrateLedger(Database& db, int64_t target) {
  auto current = db.UserVersion();
  if (!current.ok()) return current.status();
  if (*current > kLedgerSchemaVersion) {
    return Status::FailedPrecondition("ledger file has schema version " + std::to_string(*current) +
                                      ", newer than this program (" +
                                      std::to_string(kLedgerSchemaVersion) + ")");
  }
  for (int64_t v = *current + 1; v <= target; ++v) {
    auto tx = Transaction::Begin(db);
    if (!tx.ok()) return tx.status();
    Status st = db.Exec(kMigrations[v - 1]);
    if (st.ok()) st = db.SetUserVersion(v);
    if (st.ok()) st = tx->Commit();
    if (!st.ok()) return st.Annotate("migrating ledger to version " + std::to_string(v));
  }
  return Status::OK();
}

Status CheckLedgerSchema(Database& db) {
  auto stmt = db.Prepare("SELECT name FROM pragma_table_info(?1)");
  if (!stmt.ok()) return stmt.status();
  for (const auto& e : Entities()) {
    RECTIFY_RETURN_IF_ERROR(stmt->Reset());
    RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, e.name));
    std::set<std::string> columns;
    for (;;) {
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      columns.insert(stmt->ColumnText(0));
    }
    for (const auto& f : e.fields) {
      if (!columns.count(std::string(f.name))) {
        return Status::FailedPrecondition("ledger table '" + std::string(e.name) +
                                          "' lacks column '" + std::string(f.name) +
                                          "': shared/schema.cpp changed without a migration");
      }
    }
  }
  return Status::OK();
}

}  // namespace rectify
