#include "server/storage/sqlite_store.h"

#include <sqlite3.h>

#include <filesystem>
#include <utility>
#include <vector>

#include "shared/merkle.h"

namespace rectify {

namespace {

// Version 1. Every table is keyed by school first: each unit of work only
// ever binds its own school id, which is how tenant isolation is enforced at
// the storage level.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS ops(
  school_id TEXT NOT NULL, device_id TEXT NOT NULL, device_seq INTEGER NOT NULL,
  server_seq INTEGER, outcome INTEGER NOT NULL, reason TEXT NOT NULL,
  leaf_index INTEGER NOT NULL, received_ms INTEGER NOT NULL, op BLOB NOT NULL,
  PRIMARY KEY(school_id, device_id, device_seq));
CREATE UNIQUE INDEX IF NOT EXISTS ops_by_seq ON ops(school_id, server_seq)
  WHERE server_seq IS NOT NULL;
CREATE TABLE IF NOT EXISTS fields(
  school_id TEXT NOT NULL, entity TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
  value, hlc INTEGER NOT NULL, device_id TEXT NOT NULL, author TEXT NOT NULL,
  PRIMARY KEY(school_id, entity, row_id, field));
CREATE INDEX IF NOT EXISTS fields_by_value ON fields(school_id, entity, field, value);
CREATE TABLE IF NOT EXISTS conflicts(
  id INTEGER PRIMARY KEY AUTOINCREMENT, school_id TEXT NOT NULL, server_seq INTEGER NOT NULL,
  entity TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
  winner_value, winner_hlc INTEGER NOT NULL, winner_device TEXT NOT NULL,
  winner_author TEXT NOT NULL,
  loser_value, loser_hlc INTEGER NOT NULL, loser_device TEXT NOT NULL,
  loser_author TEXT NOT NULL, rule TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS conflicts_by_seq ON conflicts(school_id, server_seq);
CREATE INDEX IF NOT EXISTS conflicts_by_row ON conflicts(school_id, entity, row_id);
CREATE TABLE IF NOT EXISTS leaves(
  school_id TEXT NOT NULL, idx INTEGER NOT NULL, bytes BLOB NOT NULL,
  PRIMARY KEY(school_id, idx));
CREATE TABLE IF NOT EXISTS merkle_nodes(
  school_id TEXT NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
  PRIMARY KEY(school_id, level, idx));
CREATE TABLE IF NOT EXISTS device_bindings(
  school_id TEXT NOT NULL, device_id TEXT NOT NULL, cert_device TEXT NOT NULL,
  PRIMARY KEY(school_id, device_id));
CREATE TABLE IF NOT EXISTS checkpoints(
  school_id TEXT NOT NULL, size INTEGER NOT NULL, note TEXT NOT NULL,
  PRIMARY KEY(school_id, size));
)sql";

// Version 2 (docs/PERFORMANCE.md): fewer B-tree rows per op.
//  - Each leaf row carries its hash (the level-0 Merkle node), and Merkle
//    nodes below level kFirstStoredNodeLevel are no longer stored: they are
//    recomputed from at most 2^(kFirstStoredNodeLevel-1) leaf hashes.
//  - fields_by_value indexes only the fields FindRows is asked about
//    (kLookupFields); queries repeat the index's WHERE term so SQLite uses it.
constexpr const char* kMigrateV1ToV2 = R"sql(
CREATE TABLE leaves_v2(
  school_id TEXT NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, bytes BLOB NOT NULL,
  PRIMARY KEY(school_id, idx)) WITHOUT ROWID;
INSERT INTO leaves_v2(school_id, idx, hash, bytes)
  SELECT l.school_id, l.idx, m.hash, l.bytes FROM leaves l JOIN merkle_nodes m
  ON m.school_id = l.school_id AND m.level = 0 AND m.idx = l.idx;
DROP TABLE leaves;
ALTER TABLE leaves_v2 RENAME TO leaves;
CREATE TABLE merkle_nodes_v2(
  school_id TEXT NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
  PRIMARY KEY(school_id, level, idx)) WITHOUT ROWID;
INSERT INTO merkle_nodes_v2 SELECT school_id, level, idx, hash FROM merkle_nodes WHERE level >= 4;
DROP TABLE merkle_nodes;
ALTER TABLE merkle_nodes_v2 RENAME TO merkle_nodes;
CREATE TABLE fields_v2(
  school_id TEXT NOT NULL, entity TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
  value, hlc INTEGER NOT NULL, device_id TEXT NOT NULL, author TEXT NOT NULL,
  PRIMARY KEY(school_id, entity, row_id, field)) WITHOUT ROWID;
INSERT INTO fields_v2 SELECT school_id, entity, row_id, field, value, hlc, device_id, author
  FROM fields;
DROP TABLE fields;
ALTER TABLE fields_v2 RENAME TO fields;
CREATE INDEX fields_by_value ON fields(school_id, entity, field, value)
  WHERE field IN ('number', 'sha256');
CREATE TABLE ops_v2(
  school_id TEXT NOT NULL, device_id TEXT NOT NULL, device_seq INTEGER NOT NULL,
  server_seq INTEGER, outcome INTEGER NOT NULL, reason TEXT NOT NULL,
  leaf_index INTEGER NOT NULL, received_ms INTEGER NOT NULL, op BLOB NOT NULL,
  PRIMARY KEY(school_id, device_id, device_seq)) WITHOUT ROWID;
INSERT INTO ops_v2 SELECT school_id, device_id, device_seq, server_seq, outcome, reason,
  leaf_index, received_ms, op FROM ops;
DROP TABLE ops;
ALTER TABLE ops_v2 RENAME TO ops;
CREATE UNIQUE INDEX ops_by_seq ON ops(school_id, server_seq) WHERE server_seq IS NOT NULL;
)sql";

constexpr uint32_t kFirstStoredNodeLevel = 4;                           // matches "level < 4" above
constexpr const char* kLookupFields = "field IN ('number', 'sha256')";  // as in the index

int64_t ToSql(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t FromSql(int64_t v) { return static_cast<uint64_t>(v); }

// Binds parameters 1..n in order; stops at the first failure.
class Binder {
 public:
  explicit Binder(Statement& st) : st_(st) {}
  template <class T>
  Binder& operator()(const T& v) {
    if (status_.ok()) status_ = st_.Bind(++index_, v);
    return *this;
  }
  Binder& Blob(std::string_view bytes) {
    if (status_.ok()) status_ = st_.BindBlob(++index_, bytes);
    return *this;
  }
  const Status& status() const { return status_; }

 private:
  Statement& st_;
  int index_ = 0;
  Status status_;
};

Status ReadOnlyError() { return Status::FailedPrecondition("read-only unit of work"); }

class SqliteSchoolTxn final : public SchoolTxn {
 public:
  // Write txn: holds the store's writer lock for its whole life.
  SqliteSchoolTxn(std::string school, SqliteStore::Connection* conn, Transaction txn,
                  std::unique_lock<std::mutex> lock)
      : school_(std::move(school)),
        conn_(conn),
        db_(conn->db.get()),
        lock_(std::move(lock)),
        txn_(std::move(txn)) {}
  // Read txn: owns a pooled reader connection, returned on destruction.
  SqliteSchoolTxn(std::string school, SqliteStore* store,
                  std::unique_ptr<SqliteStore::Connection> reader)
      : school_(std::move(school)),
        conn_(reader.get()),
        db_(reader->db.get()),
        store_(store),
        reader_(std::move(reader)) {}

  ~SqliteSchoolTxn() override {
    // Rollback first (txn_ member), then the connection goes back to the
    // pool; the writer lock is released last as the member is destroyed.
    // After Commit() the writer connection belongs to the next writer: touch
    // its statements only while this txn still owns it.
    if (reader_ || lock_.owns_lock()) ResetStatements();
    txn_.reset();
    if (reader_) {
      if (db_->InTransaction()) (void)db_->Exec("ROLLBACK");
      store_->ReleaseReader(std::move(reader_));
    }
  }

  const std::string& school_id() const override { return school_; }
  bool read_only() const override { return reader_ != nullptr; }

  Status Commit() override {
    if (read_only()) return ReadOnlyError();
    if (!txn_) return Status::FailedPrecondition("unit of work already finished");
    ResetStatements();
    Status st = txn_->Commit();
    txn_.reset();
    // Let the next writer in now rather than when the caller drops the txn.
    if (lock_.owns_lock()) lock_.unlock();
    return st;
  }

  Result<RowState> ReadRow(const std::string& entity, const std::string& row_id) override {
    auto st = Prep(
        "SELECT field, value, hlc, device_id, author FROM fields "
        "WHERE school_id=?1 AND entity=?2 AND row_id=?3");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(entity)(row_id).status());
    RowState row;
    for (;;) {
      auto more = (*st)->Step();
      if (!more.ok()) return more.status();
      if (!*more) break;
      FieldState fs;
      fs.value = (*st)->ColumnValue(1);
      fs.stamp = Stamp{Hlc{FromSql((*st)->ColumnInt(2))}, (*st)->ColumnText(3)};
      fs.author = (*st)->ColumnText(4);
      row.emplace((*st)->ColumnText(0), std::move(fs));
    }
    return row;
  }

  Result<std::vector<std::pair<std::string, RowState>>> ReadEntity(
      const std::string& entity) override {
    auto st = Prep(
        "SELECT row_id, field, value, hlc, device_id, author FROM fields "
        "WHERE school_id=?1 AND entity=?2 ORDER BY row_id");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(entity).status());
    std::vector<std::pair<std::string, RowState>> rows;
    for (;;) {
      auto more = (*st)->Step();
      if (!more.ok()) return more.status();
      if (!*more) return rows;
      std::string row_id = (*st)->ColumnText(0);
      if (rows.empty() || rows.back().first != row_id) rows.emplace_back(row_id, RowState{});
      FieldState fs;
      fs.value = (*st)->ColumnValue(2);
      fs.stamp = Stamp{Hlc{FromSql((*st)->ColumnInt(3))}, (*st)->ColumnText(4)};
      fs.author = (*st)->ColumnText(5);
      rows.back().second.emplace((*st)->ColumnText(1), std::move(fs));
    }
  }

  Status WriteFields(const std::string& entity, const std::string& row_id,
                     const RowState& fields) override {
    if (read_only()) return ReadOnlyError();
    auto st = Prep(
        "INSERT INTO fields(school_id, entity, row_id, field, value, hlc, device_id, author) "
        "VALUES(?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(school_id, entity, row_id, field) DO "
        "UPDATE SET value=excluded.value, hlc=excluded.hlc, device_id=excluded.device_id, "
        "author=excluded.author");
    if (!st.ok()) return st.status();
    for (const auto& [name, fs] : fields) {
      RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(entity)(row_id)(name)(fs.value)(
                                  ToSql(fs.stamp.hlc.raw))(fs.stamp.device_id)(fs.author)
                                  .status());
      RECTIFY_RETURN_IF_ERROR((*st)->Run());
      RECTIFY_RETURN_IF_ERROR((*st)->Reset());
    }
    return Status::OK();
  }

  Result<std::vector<std::string>> FindRows(const std::string& entity, const std::string& field,
                                            const Value& value) override {
    // Indexed fields use fields_by_value; any other field is a scan of the
    // entity's rows (correct, just slower; nothing asks for one today).
    const bool indexed = field == "number" || field == "sha256";
    auto st = Prep(
        std::string("SELECT row_id FROM fields WHERE school_id=?1 AND entity=?2 AND field=?3 AND "
                    "value=?4 ") +
        (indexed ? std::string("AND ") + kLookupFields : std::string()) + " ORDER BY row_id");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(entity)(field)(value).status());
    std::vector<std::string> rows;
    for (;;) {
      auto more = (*st)->Step();
      if (!more.ok()) return more.status();
      if (!*more) return rows;
      rows.push_back((*st)->ColumnText(0));
    }
  }

  Result<std::optional<StoredOp>> FindOp(const std::string& device_id,
                                         uint64_t device_seq) override {
    auto st = Prep(std::string(kOpColumns) +
                   " FROM ops WHERE school_id=?1 AND device_id=?2 AND device_seq=?3");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(device_id)(ToSql(device_seq)).status());
    auto more = (*st)->Step();
    if (!more.ok()) return more.status();
    if (!*more) return std::optional<StoredOp>();
    auto op = ReadOpRow(**st);
    if (!op.ok()) return op.status();
    return std::optional<StoredOp>(std::move(*op));
  }

  Result<uint64_t> LastDeviceSeq(const std::string& device_id) override {
    return ScalarU64(
        "SELECT device_seq FROM ops WHERE school_id=?1 AND device_id=?2 "
        "ORDER BY device_seq DESC LIMIT 1",
        &device_id);
  }

  Result<std::optional<std::string>> BoundCertificate(const std::string& device_id) override {
    auto st = Prep("SELECT cert_device FROM device_bindings WHERE school_id=?1 AND device_id=?2");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(device_id).status());
    auto more = (*st)->Step();
    if (!more.ok()) return more.status();
    if (!*more) return std::optional<std::string>();
    return std::optional<std::string>((*st)->ColumnText(0));
  }

  Status BindDevice(const std::string& device_id, const std::string& cert_device) override {
    if (read_only()) return ReadOnlyError();
    auto st =
        Prep("INSERT INTO device_bindings(school_id, device_id, cert_device) VALUES(?1,?2,?3)");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(device_id)(cert_device).status());
    Status run = (*st)->Run();
    if (!run.ok()) return Status::AlreadyExists("device " + device_id + " is already bound");
    return run;
  }

  Result<uint64_t> NextServerSeq() override {
    auto last = LastServerSeq();
    if (!last.ok()) return last.status();
    return *last + 1;
  }

  Result<uint64_t> LastServerSeq() override {
    if (last_server_seq_) return *last_server_seq_;
    auto last = ScalarU64(
        "SELECT server_seq FROM ops WHERE school_id=?1 AND server_seq IS NOT NULL "
        "ORDER BY server_seq DESC LIMIT 1",
        nullptr);
    // A write txn holds the writer lock: nobody else can move it meanwhile.
    if (last.ok() && !read_only()) last_server_seq_ = *last;
    return last;
  }

  Status AppendOp(const StoredOp& s) override {
    if (read_only()) return ReadOnlyError();
    auto st = Prep(
        "INSERT INTO ops(school_id, device_id, device_seq, server_seq, outcome, reason, "
        "leaf_index, received_ms, op) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)");
    if (!st.ok()) return st.status();
    Binder b(**st);
    b(school_)(s.op.device_id)(ToSql(s.op.device_seq));
    Value seq = s.result.server_seq == 0 ? Value{} : Value{ToSql(s.result.server_seq)};
    b(seq)(static_cast<int64_t>(s.result.outcome))(s.result.reason)(ToSql(s.result.leaf_index))(
        s.received_ms)
        .Blob(EncodeOp(s.op));
    RECTIFY_RETURN_IF_ERROR(b.status());
    Status run = (*st)->Run();
    if (!run.ok() && run.code() == Status::Code::kInvalidArgument)
      return Status::AlreadyExists("op " + s.op.device_id + "/" + std::to_string(s.op.device_seq) +
                                   " already stored: " + run.message());
    if (run.ok() && s.result.server_seq != 0 && last_server_seq_ &&
        s.result.server_seq > *last_server_seq_)
      last_server_seq_ = s.result.server_seq;
    return run;
  }

  Result<std::vector<StoredOp>> OpsAfter(uint64_t cursor, uint32_t limit) override {
    auto st = Prep(std::string(kOpColumns) +
                   " FROM ops WHERE school_id=?1 AND server_seq IS NOT NULL AND server_seq > ?2 "
                   "ORDER BY server_seq "
                   "LIMIT ?3");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(
        Binder(**st)(school_)(ToSql(cursor))(static_cast<int64_t>(limit)).status());
    std::vector<StoredOp> out;
    for (;;) {
      auto more = (*st)->Step();
      if (!more.ok()) return more.status();
      if (!*more) return out;
      auto op = ReadOpRow(**st);
      if (!op.ok()) return op.status();
      out.push_back(std::move(*op));
    }
  }

  Result<uint64_t> AppendConflict(const ConflictRecord& c) override {
    if (read_only()) return ReadOnlyError();
    auto st = Prep(
        "INSERT INTO conflicts(school_id, server_seq, entity, row_id, field, winner_value, "
        "winner_hlc, winner_device, winner_author, loser_value, loser_hlc, loser_device, "
        "loser_author, rule) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(ToSql(c.server_seq))(c.entity)(c.row_id)(c.field)(
                                c.winner.value)(ToSql(c.winner.stamp.hlc.raw))(
                                c.winner.stamp.device_id)(c.winner.author)(c.loser.value)(ToSql(
        c.loser.stamp.hlc.raw))(c.loser.stamp.device_id)(c.loser.author)(c.rule)
                                .status());
    RECTIFY_RETURN_IF_ERROR((*st)->Run());
    return FromSql(db_->LastInsertRowId());
  }

  Result<std::vector<ConflictRecord>> ConflictsInRange(uint64_t after_seq,
                                                       uint64_t up_to_seq) override {
    auto st = Prep(std::string(kConflictColumns) +
                   " FROM conflicts WHERE school_id=?1 AND server_seq > ?2 AND server_seq <= ?3 "
                   "ORDER BY id");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(ToSql(after_seq))(ToSql(up_to_seq)).status());
    return ReadConflicts(**st);
  }

  Result<std::vector<ConflictRecord>> ConflictsForRow(const std::string& entity,
                                                      const std::string& row_id) override {
    auto st = Prep(std::string(kConflictColumns) +
                   " FROM conflicts WHERE school_id=?1 AND entity=?2 AND row_id=?3 ORDER BY id");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(entity)(row_id).status());
    return ReadConflicts(**st);
  }

  Result<uint64_t> AppendLeaf(const std::string& leaf_bytes, const Hash& leaf_hash) override {
    if (read_only()) return ReadOnlyError();
    auto index = LeafCount();
    if (!index.ok()) return index.status();
    auto st = Prep("INSERT INTO leaves(school_id, idx, bytes, hash) VALUES(?1,?2,?3,?4)");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(
        Binder(**st)(school_)(ToSql(*index)).Blob(leaf_bytes).Blob(HashBytes(leaf_hash)).status());
    RECTIFY_RETURN_IF_ERROR((*st)->Run());
    leaf_count_ = *index + 1;
    return *index;
  }

  Result<uint64_t> LeafCount() override {
    if (leaf_count_) return *leaf_count_;
    // MAX+1 rather than COUNT: an index is never reused even if a row was
    // deleted behind our back (verify reports the hole instead).
    auto count = ScalarU64(
        "SELECT idx + 1 FROM leaves WHERE school_id=?1 ORDER BY idx DESC LIMIT 1", nullptr);
    if (count.ok() && !read_only()) leaf_count_ = *count;
    return count;
  }

  Result<std::vector<std::string>> ReadLeaves(uint64_t from, uint64_t limit) override {
    auto st =
        Prep("SELECT bytes FROM leaves WHERE school_id=?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx");
    if (!st.ok()) return st.status();
    uint64_t end = limit > UINT64_MAX - from ? UINT64_MAX : from + limit;
    if (end > static_cast<uint64_t>(INT64_MAX)) end = static_cast<uint64_t>(INT64_MAX);
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(ToSql(from))(ToSql(end)).status());
    std::vector<std::string> out;
    for (;;) {
      auto more = (*st)->Step();
      if (!more.ok()) return more.status();
      if (!*more) return out;
      out.push_back((*st)->ColumnBlob(0));
    }
  }

  Result<std::optional<Hash>> GetNode(uint32_t level, uint64_t index) override {
    if (level < kFirstStoredNodeLevel) return DerivedNode(level, index);
    auto st = Prep("SELECT hash FROM merkle_nodes WHERE school_id=?1 AND level=?2 AND idx=?3");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(
        Binder(**st)(school_)(static_cast<int64_t>(level))(ToSql(index)).status());
    auto more = (*st)->Step();
    if (!more.ok()) return more.status();
    if (!*more) return std::optional<Hash>();
    auto h = HashFromBytes((*st)->ColumnBlob(0));
    if (!h.ok()) return Status::Corruption("merkle node has a bad length");
    return std::optional<Hash>(*h);
  }

  Status PutNode(uint32_t level, uint64_t index, const Hash& hash) override {
    if (read_only()) return ReadOnlyError();
    if (level == 0)
      return Status::InvalidArgument("level-0 nodes are the leaf hashes given to AppendLeaf");
    if (level < kFirstStoredNodeLevel) return Status::OK();  // derived on demand
    // INSERT OR IGNORE would hide a rewrite attempt; nodes are immutable, so
    // a second Put of the same node must carry the same hash.
    auto st = Prep("INSERT INTO merkle_nodes(school_id, level, idx, hash) VALUES(?1,?2,?3,?4)");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(static_cast<int64_t>(level))(ToSql(index))
                                .Blob(HashBytes(hash))
                                .status());
    return (*st)->Run();
  }

  Status SaveCheckpoint(const StoredCheckpoint& c) override {
    if (read_only()) return ReadOnlyError();
    auto st = Prep(
        "INSERT INTO checkpoints(school_id, size, note) VALUES(?1,?2,?3) "
        "ON CONFLICT(school_id, size) DO UPDATE SET note=excluded.note");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_)(ToSql(c.size))(c.note).status());
    return (*st)->Run();
  }

  Result<std::optional<StoredCheckpoint>> LatestCheckpoint() override {
    auto st =
        Prep("SELECT size, note FROM checkpoints WHERE school_id=?1 ORDER BY size DESC LIMIT 1");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**st)(school_).status());
    auto more = (*st)->Step();
    if (!more.ok()) return more.status();
    if (!*more) return std::optional<StoredCheckpoint>();
    return std::optional<StoredCheckpoint>(
        StoredCheckpoint{FromSql((*st)->ColumnInt(0)), (*st)->ColumnText(1)});
  }

  // Every row of this school (read txns; SqliteStore::DumpSchool).
  Status Dump(SchoolDump* d) {
    d->school_id = school_;
    auto ops = Prep(std::string(kOpColumns) +
                    " FROM ops WHERE school_id=?1 ORDER BY device_id, device_seq");
    if (!ops.ok()) return ops.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**ops)(school_).status());
    for (;;) {
      auto more = (*ops)->Step();
      if (!more.ok()) return more.status();
      if (!*more) break;
      auto op = ReadOpRow(**ops);
      if (!op.ok()) return op.status();
      d->ops.push_back(std::move(*op));
    }
    auto rows = Prep(
        "SELECT entity, row_id, field, value, hlc, device_id, author FROM fields "
        "WHERE school_id=?1 ORDER BY entity, row_id");
    if (!rows.ok()) return rows.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**rows)(school_).status());
    for (;;) {
      auto more = (*rows)->Step();
      if (!more.ok()) return more.status();
      if (!*more) break;
      Statement& st = **rows;
      if (d->rows.empty() || d->rows.back().entity != st.ColumnText(0) ||
          d->rows.back().row_id != st.ColumnText(1))
        d->rows.push_back({st.ColumnText(0), st.ColumnText(1), {}});
      d->rows.back().fields.emplace(
          st.ColumnText(2),
          FieldState{st.ColumnValue(3), Stamp{Hlc{FromSql(st.ColumnInt(4))}, st.ColumnText(5)},
                     st.ColumnText(6)});
    }
    auto conflicts = ConflictsInRange(0, static_cast<uint64_t>(INT64_MAX));
    if (!conflicts.ok()) return conflicts.status();
    d->conflicts = std::move(*conflicts);
    auto binds = Prep(
        "SELECT device_id, cert_device FROM device_bindings WHERE school_id=?1 ORDER BY device_id");
    if (!binds.ok()) return binds.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**binds)(school_).status());
    for (;;) {
      auto more = (*binds)->Step();
      if (!more.ok()) return more.status();
      if (!*more) break;
      d->bindings.emplace_back((*binds)->ColumnText(0), (*binds)->ColumnText(1));
    }
    auto leaves = Prep("SELECT bytes, hash FROM leaves WHERE school_id=?1 ORDER BY idx");
    if (!leaves.ok()) return leaves.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**leaves)(school_).status());
    for (;;) {
      auto more = (*leaves)->Step();
      if (!more.ok()) return more.status();
      if (!*more) break;
      auto h = HashFromBytes((*leaves)->ColumnBlob(1));
      if (!h.ok()) return Status::Corruption("leaf hash has a bad length");
      d->leaves.emplace_back((*leaves)->ColumnBlob(0), *h);
    }
    auto cps = Prep("SELECT size, note FROM checkpoints WHERE school_id=?1 ORDER BY size");
    if (!cps.ok()) return cps.status();
    RECTIFY_RETURN_IF_ERROR(Binder(**cps)(school_).status());
    for (;;) {
      auto more = (*cps)->Step();
      if (!more.ok()) return more.status();
      if (!*more) break;
      d->checkpoints.push_back({FromSql((*cps)->ColumnInt(0)), (*cps)->ColumnText(1)});
    }
    return Status::OK();
  }

  // Every school with a leaf (store-wide; used by SqliteStore::ListSchools).
  Result<std::vector<std::string>> AllSchools() {
    auto st = Prep("SELECT DISTINCT school_id FROM leaves ORDER BY school_id");
    if (!st.ok()) return st.status();
    std::vector<std::string> out;
    for (;;) {
      auto more = (*st)->Step();
      if (!more.ok()) return more.status();
      if (!*more) return out;
      out.push_back((*st)->ColumnText(0));
    }
  }

 private:
  static constexpr const char* kOpColumns =
      "SELECT server_seq, outcome, reason, leaf_index, received_ms, op, device_seq";
  static constexpr const char* kConflictColumns =
      "SELECT id, server_seq, entity, row_id, field, winner_value, winner_hlc, winner_device, "
      "winner_author, loser_value, loser_hlc, loser_device, loser_author, rule";

  // A node below kFirstStoredNodeLevel, folded from the 2^level leaf hashes
  // under it; nullopt unless every one of them is stored.
  Result<std::optional<Hash>> DerivedNode(uint32_t level, uint64_t index) {
    const uint64_t width = uint64_t{1} << level;
    if (index > (static_cast<uint64_t>(INT64_MAX) >> level) - 1) return std::optional<Hash>();
    auto st =
        Prep("SELECT hash FROM leaves WHERE school_id=?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx");
    if (!st.ok()) return st.status();
    RECTIFY_RETURN_IF_ERROR(
        Binder(**st)(school_)(ToSql(index * width))(ToSql((index + 1) * width)).status());
    std::vector<Hash> hashes;
    hashes.reserve(width);
    for (;;) {
      auto more = (*st)->Step();
      if (!more.ok()) return more.status();
      if (!*more) break;
      if ((*st)->ColumnIsNull(0)) return std::optional<Hash>();
      auto h = HashFromBytes((*st)->ColumnBlob(0));
      if (!h.ok()) return Status::Corruption("leaf hash has a bad length");
      hashes.push_back(*h);
    }
    if (hashes.size() != width) return std::optional<Hash>();
    return std::optional<Hash>(RootOf(hashes));  // a perfect subtree: its MTH is the node
  }

  // A cached prepared statement of this connection, reset and unbound.
  Result<Statement*> Prep(std::string_view sql) {
    if (!read_only() && !txn_) return Status::FailedPrecondition("unit of work already finished");
    if (read_only() && !db_->InTransaction()) {
      // A deferred BEGIN makes every read of this txn see one WAL snapshot.
      RECTIFY_RETURN_IF_ERROR(db_->Exec("BEGIN"));
    }
    auto& cache = conn_->statements;
    auto it = cache.find(std::string(sql));
    if (it != cache.end()) {
      RECTIFY_RETURN_IF_ERROR(it->second.Reset());
      return &it->second;
    }
    auto st = db_->Prepare(sql);
    if (!st.ok()) return st.status();
    return &cache.emplace(std::string(sql), std::move(*st)).first->second;
  }

  // No cached statement may keep a read open past the end of the txn.
  void ResetStatements() {
    for (auto& [sql, st] : conn_->statements) (void)st.Reset();
  }

  Result<uint64_t> ScalarU64(std::string_view sql, const std::string* arg2) {
    auto st = Prep(sql);
    if (!st.ok()) return st.status();
    Binder b(**st);
    b(school_);
    if (arg2) b(*arg2);
    RECTIFY_RETURN_IF_ERROR(b.status());
    auto more = (*st)->Step();
    if (!more.ok()) return more.status();
    // No row: the (school, key) has nothing yet. Ordered LIMIT 1 queries
    // rather than MAX() so SQLite reads one index entry, not the range.
    if (!*more) return uint64_t{0};
    return FromSql((*st)->ColumnInt(0));
  }

  static Result<StoredOp> ReadOpRow(Statement& st) {
    StoredOp s;
    if (!DecodeOp(st.ColumnBlob(5), &s.op)) return Status::Corruption("stored op does not decode");
    s.result.server_seq = st.ColumnIsNull(0) ? 0 : FromSql(st.ColumnInt(0));
    s.result.outcome = static_cast<protocol::Outcome>(st.ColumnInt(1));
    s.result.reason = st.ColumnText(2);
    s.result.leaf_index = FromSql(st.ColumnInt(3));
    s.received_ms = st.ColumnInt(4);
    s.result.device_seq = FromSql(st.ColumnInt(6));
    return s;
  }

  static Result<std::vector<ConflictRecord>> ReadConflicts(Statement& st) {
    std::vector<ConflictRecord> out;
    for (;;) {
      auto more = st.Step();
      if (!more.ok()) return more.status();
      if (!*more) return out;
      ConflictRecord c;
      c.id = FromSql(st.ColumnInt(0));
      c.server_seq = FromSql(st.ColumnInt(1));
      c.entity = st.ColumnText(2);
      c.row_id = st.ColumnText(3);
      c.field = st.ColumnText(4);
      c.winner =
          FieldState{st.ColumnValue(5), Stamp{Hlc{FromSql(st.ColumnInt(6))}, st.ColumnText(7)},
                     st.ColumnText(8)};
      c.loser =
          FieldState{st.ColumnValue(9), Stamp{Hlc{FromSql(st.ColumnInt(10))}, st.ColumnText(11)},
                     st.ColumnText(12)};
      c.rule = st.ColumnText(13);
      out.push_back(std::move(c));
    }
  }

  const std::string school_;
  SqliteStore::Connection* conn_;
  Database* db_;
  SqliteStore* store_ = nullptr;
  std::unique_ptr<SqliteStore::Connection> reader_;
  std::unique_lock<std::mutex> lock_;  // destroyed after txn_
  std::optional<Transaction> txn_;
  // Write txns only (they hold the writer lock, so nothing else moves these):
  // read once, then kept up to date by AppendLeaf and AppendOp.
  std::optional<uint64_t> leaf_count_, last_server_seq_;
};

Status Migrate(Database& db) {
  auto version = db.UserVersion();
  if (!version.ok()) return version.status();
  if (*version > SqliteStore::kSchemaUserVersion)
    return Status::FailedPrecondition("database schema version " + std::to_string(*version) +
                                      " is newer than this rectifyd (" +
                                      std::to_string(SqliteStore::kSchemaUserVersion) + ")");
  if (*version == SqliteStore::kSchemaUserVersion) return Status::OK();
  auto txn = Transaction::Begin(db);
  if (!txn.ok()) return txn.status();
  // A new database goes through every step too: one path, always tested.
  if (*version < 1) RECTIFY_RETURN_IF_ERROR(db.Exec(kSchemaV1));
  if (*version < 2) RECTIFY_RETURN_IF_ERROR(db.Exec(kMigrateV1ToV2));
  RECTIFY_RETURN_IF_ERROR(db.SetUserVersion(SqliteStore::kSchemaUserVersion));
  return txn->Commit();
}

}  // namespace

SqliteStore::SqliteStore(std::string path, std::unique_ptr<Database> writer)
    : path_(std::move(path)) {
  writer_.db = std::move(writer);
}

SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& dir) {
  return OpenFile(dir + "/rectifyd.db");
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::OpenFile(const std::string& path) {
  if (path == ":memory:")
    return Status::InvalidArgument("SqliteStore needs a file: readers use their own connections");
  auto db = Database::Open(path, /*durable_sync=*/true);
  if (!db.ok()) return db.status();
  RECTIFY_RETURN_IF_ERROR(Migrate(**db).Annotate("migrating " + path));
  return std::unique_ptr<SqliteStore>(new SqliteStore(path, std::move(*db)));
}

Result<std::unique_ptr<SchoolTxn>> SqliteStore::Begin(const std::string& school_id) {
  if (school_id.empty()) return Status::InvalidArgument("empty school id");
  std::unique_lock<std::mutex> lock(writer_mu_);
  auto txn = Transaction::Begin(*writer_.db);
  if (!txn.ok()) return txn.status();
  return std::unique_ptr<SchoolTxn>(
      new SqliteSchoolTxn(school_id, &writer_, std::move(*txn), std::move(lock)));
}

Result<std::unique_ptr<SqliteStore::Connection>> SqliteStore::AcquireReader() {
  {
    std::lock_guard<std::mutex> g(pool_mu_);
    if (!readers_.empty()) {
      auto conn = std::move(readers_.back());
      readers_.pop_back();
      return conn;
    }
  }
  auto db = Database::Open(path_, /*durable_sync=*/true);
  if (!db.ok()) return db.status();
  auto conn = std::make_unique<Connection>();
  conn->db = std::move(*db);
  return conn;
}

void SqliteStore::ReleaseReader(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> g(pool_mu_);
  // A handful of idle connections is plenty; the rest are closed.
  if (readers_.size() < 8) readers_.push_back(std::move(conn));
}

Result<std::unique_ptr<SchoolTxn>> SqliteStore::BeginRead(const std::string& school_id) {
  if (school_id.empty()) return Status::InvalidArgument("empty school id");
  auto conn = AcquireReader();
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<SchoolTxn>(new SqliteSchoolTxn(school_id, this, std::move(*conn)));
}

Result<SchoolDump> SqliteStore::DumpSchool(const std::string& school_id) {
  auto txn = BeginRead(school_id);
  if (!txn.ok()) return txn.status();
  SchoolDump dump;
  RECTIFY_RETURN_IF_ERROR(static_cast<SqliteSchoolTxn&>(**txn).Dump(&dump));
  return dump;
}

Status SqliteStore::Backup(const std::string& dest) {
  if (std::filesystem::exists(dest))
    return Status::AlreadyExists(dest + " exists; refusing to overwrite a backup");
  auto out = Database::Open(dest, /*durable_sync=*/true);
  if (!out.ok()) return out.status();
  // From a reader connection: the copy is one WAL snapshot, writers go on.
  auto conn = AcquireReader();
  if (!conn.ok()) return conn.status();
  sqlite3_backup* b = sqlite3_backup_init((*out)->handle(), "main", (*conn)->db->handle(), "main");
  if (b == nullptr)
    return Status::IOError("backup of " + path_ + ": " + sqlite3_errmsg((*out)->handle()));
  int rc = sqlite3_backup_step(b, -1);
  const int finish = sqlite3_backup_finish(b);
  ReleaseReader(std::move(*conn));
  if (rc != SQLITE_DONE || finish != SQLITE_OK)
    return Status::IOError("backup of " + path_ + " to " + dest +
                           " failed: " + sqlite3_errstr(rc != SQLITE_DONE ? rc : finish));
  return Status::OK();
}

Result<std::vector<std::string>> SqliteStore::ListSchools() {
  auto txn = BeginRead("*");
  if (!txn.ok()) return txn.status();
  return static_cast<SqliteSchoolTxn&>(**txn).AllSchools();
}

}  // namespace rectify
