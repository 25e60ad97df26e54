#include "server/storage/pg_store.h"

#include <libpq-fe.h>

#include <chrono>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include "server/storage/sqlite_node_store.h"
#include "shared/merkle.h"
#include "shared/merkle_tree.h"

namespace rectify {

namespace {

// Version 1. Every table is keyed by school first, as in SqliteStore: a unit
// of work only ever binds its own school id. log_heads holds one row per
// school: the lock every write takes, the counters it assigns from, and the
// checkpoint the compare-and-set checks.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE log_heads(
  school_id TEXT PRIMARY KEY, leaf_count BIGINT NOT NULL DEFAULT 0,
  last_server_seq BIGINT NOT NULL DEFAULT 0, cp_size BIGINT NOT NULL DEFAULT 0,
  cp_note_sha256 BYTEA NOT NULL DEFAULT ''::bytea, last_txn TEXT NOT NULL DEFAULT '');
CREATE TABLE ops(
  school_id TEXT NOT NULL, device_id TEXT NOT NULL, device_seq BIGINT NOT NULL,
  server_seq BIGINT, outcome SMALLINT NOT NULL, reason TEXT NOT NULL,
  leaf_index BIGINT NOT NULL, received_ms BIGINT NOT NULL, op BYTEA NOT NULL,
  PRIMARY KEY(school_id, device_id, device_seq));
CREATE UNIQUE INDEX ops_by_seq ON ops(school_id, server_seq) WHERE server_seq IS NOT NULL;
CREATE TABLE fields(
  school_id TEXT NOT NULL, entity TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
  vkind SMALLINT NOT NULL, value TEXT NOT NULL, hlc BIGINT NOT NULL, device_id TEXT NOT NULL,
  author TEXT NOT NULL, PRIMARY KEY(school_id, entity, row_id, field));
CREATE INDEX fields_by_value ON fields(school_id, entity, field, vkind, value)
  WHERE field IN ('number', 'sha256');
CREATE TABLE conflicts(
  id BIGSERIAL PRIMARY KEY, school_id TEXT NOT NULL, server_seq BIGINT NOT NULL,
  entity TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL,
  winner_kind SMALLINT NOT NULL, winner_value TEXT NOT NULL, winner_hlc BIGINT NOT NULL,
  winner_device TEXT NOT NULL, winner_author TEXT NOT NULL,
  loser_kind SMALLINT NOT NULL, loser_value TEXT NOT NULL, loser_hlc BIGINT NOT NULL,
  loser_device TEXT NOT NULL, loser_author TEXT NOT NULL, rule TEXT NOT NULL);
CREATE INDEX conflicts_by_seq ON conflicts(school_id, server_seq);
CREATE INDEX conflicts_by_row ON conflicts(school_id, entity, row_id);
CREATE TABLE leaves(
  school_id TEXT NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL, bytes BYTEA NOT NULL,
  PRIMARY KEY(school_id, idx));
CREATE TABLE merkle_nodes(
  school_id TEXT NOT NULL, level INTEGER NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL,
  PRIMARY KEY(school_id, level, idx));
CREATE TABLE device_bindings(
  school_id TEXT NOT NULL, device_id TEXT NOT NULL, cert_device TEXT NOT NULL,
  PRIMARY KEY(school_id, device_id));
CREATE TABLE checkpoints(
  school_id TEXT NOT NULL, size BIGINT NOT NULL, note TEXT NOT NULL,
  PRIMARY KEY(school_id, size));
)sql";

// Nodes below this level are folded from leaf hashes on demand, as in
// SqliteStore (docs/PERFORMANCE.md): fewer rows per op.
constexpr uint32_t kFirstStoredNodeLevel = 4;
// Serialises schema migrations of servers starting at the same time.
constexpr const char* kMigrationLockKey = "7262656374696679";

int64_t ToSql(uint64_t v) { return static_cast<int64_t>(v); }

// Parameters of one statement: text values, bytea sent as binary.
class Params {
 public:
  Params& Text(std::string s) { return Add(std::move(s), 0); }
  Params& Int(int64_t v) { return Add(std::to_string(v), 0); }
  Params& U64(uint64_t v) { return Int(ToSql(v)); }
  Params& Bytes(std::string_view b) { return Add(std::string(b), 1); }
  // A field value: (kind, text) with 0 NULL, 1 integer, 2 text.
  Params& Val(const Value& v) {
    if (std::holds_alternative<int64_t>(v)) return Int(1).Int(std::get<int64_t>(v));
    if (std::holds_alternative<std::string>(v)) return Int(2).Text(std::get<std::string>(v));
    return Int(0).Text("");
  }
  int size() const { return static_cast<int>(values_.size()); }
  std::vector<const char*> values() const {
    std::vector<const char*> out;
    for (const auto& v : values_) out.push_back(v.data());
    return out;
  }
  std::vector<int> lengths() const {
    std::vector<int> out;
    for (const auto& v : values_) out.push_back(static_cast<int>(v.size()));
    return out;
  }
  const std::vector<int>& formats() const { return formats_; }

 private:
  Params& Add(std::string v, int format) {
    values_.push_back(std::move(v));
    formats_.push_back(format);
    return *this;
  }
  std::vector<std::string> values_;
  std::vector<int> formats_;
};

// A result set (text format), freed on destruction.
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r, &PQclear) {}
  int size() const { return PQntuples(r_.get()); }
  int affected() const {
    const char* n = PQcmdTuples(r_.get());
    return *n ? std::atoi(n) : 0;
  }
  std::string Text(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col),
                       static_cast<size_t>(PQgetlength(r_.get(), row, col)));
  }
  int64_t Int(int row, int col) const {
    return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
  }
  uint64_t U64(int row, int col) const { return static_cast<uint64_t>(Int(row, col)); }
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string Bytes(int row, int col) const {
    size_t len = 0;
    unsigned char* raw = PQunescapeBytea(
        reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col)), &len);
    if (!raw) return {};
    std::string out(reinterpret_cast<const char*>(raw), len);
    PQfreemem(raw);
    return out;
  }
  Value Val(int row, int kind_col) const {
    switch (Int(row, kind_col)) {
      case 1:
        return Value{Int(row, kind_col + 1)};
      case 2:
        return Value{Text(row, kind_col + 1)};
      default:
        return Value{};
    }
  }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> r_;
};

Status ResultStatus(PGconn* c, PGresult* r, std::string_view what) {
  const ExecStatusType st = PQresultStatus(r);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::OK();
  std::string msg = std::string(what) + ": " + (r ? PQresultErrorMessage(r) : PQerrorMessage(c));
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (PQstatus(c) != CONNECTION_OK)
    return Status::Unavailable("postgresql connection lost: " + msg);
  const char* code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = code ? code : "";
  if (sqlstate == "23505") return Status::AlreadyExists(msg);
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate.starts_with("08") ||
      sqlstate.starts_with("57P"))
    return Status::Unavailable(msg);
  if (sqlstate.starts_with("22")) return Status::InvalidArgument(msg);  // bad data (e.g. NUL)
  return Status::IOError("postgresql: " + msg);
}

Status ReadOnlyError() { return Status::FailedPrecondition("read-only unit of work"); }

// 128 random bits, hex: names one write unit of work in log_heads.last_txn.
std::string NewToken() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string raw(16, '\0');
  for (auto& ch : raw) ch = static_cast<char>(rng() & 0xff);
  return HexEncode(raw);
}

}  // namespace

class PgStore::Conn {
 public:
  explicit Conn(PGconn* c) : c_(c) {}
  ~Conn() { PQfinish(c_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool healthy() const { return PQstatus(c_) == CONNECTION_OK; }
  bool in_transaction() const { return PQtransactionStatus(c_) != PQTRANS_IDLE; }

  // Runs `sql`, prepared once per connection and reused.
  Result<Rows> Exec(const std::string& sql, const Params& p) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      std::string name = "r" + std::to_string(prepared_.size());
      PGresult* prep = PQprepare(c_, name.c_str(), sql.c_str(), p.size(), nullptr);
      Status st = ResultStatus(c_, prep, "prepare");
      PQclear(prep);
      if (!st.ok()) return st;
      it = prepared_.emplace(sql, std::move(name)).first;
    }
    const auto values = p.values();
    const auto lengths = p.lengths();
    PGresult* r = PQexecPrepared(c_, it->second.c_str(), p.size(), values.data(), lengths.data(),
                                 p.formats().data(), 0);
    Status st = ResultStatus(c_, r, "query");
    if (!st.ok()) {
      PQclear(r);
      return st;
    }
    return Rows(r);
  }

  // A constant statement without parameters (BEGIN, COMMIT, DDL).
  Status Command(const char* sql) {
    PGresult* r = PQexec(c_, sql);
    Status st = ResultStatus(c_, r, sql);
    PQclear(r);
    return st;
  }

  PGconn* raw() { return c_; }

 private:
  PGconn* c_;
  std::unordered_map<std::string, std::string> prepared_;
};

namespace {

class PgSchoolTxn final : public SchoolTxn {
 public:
  PgSchoolTxn(std::string school, PgStore* store, std::unique_ptr<PgStore::Conn> conn,
              bool read_only)
      : school_(std::move(school)), store_(store), conn_(std::move(conn)), read_only_(read_only) {}

  ~PgSchoolTxn() override { Finish(); }

  // Write txns: locks the school's head row and reads its counters.
  Status LockHead() {
    const std::string select =
        "SELECT leaf_count, last_server_seq, cp_size, cp_note_sha256 FROM log_heads "
        "WHERE school_id=$1 FOR UPDATE";
    auto rows = conn_->Exec(select, Params().Text(school_));
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0) {
      auto ins = conn_->Exec("INSERT INTO log_heads(school_id) VALUES($1) ON CONFLICT DO NOTHING",
                             Params().Text(school_));
      if (!ins.ok()) return ins.status();
      rows = conn_->Exec(select, Params().Text(school_));
      if (!rows.ok()) return rows.status();
      if (rows->size() != 1) return Status::Internal("log head of " + school_ + " vanished");
    }
    leaf_count_ = rows->U64(0, 0);
    last_server_seq_ = rows->U64(0, 1);
    cp_size_ = new_cp_size_ = rows->U64(0, 2);
    cp_note_sha256_ = new_cp_note_sha256_ = rows->Bytes(0, 3);
    return Status::OK();
  }

  const std::string& school_id() const override { return school_; }
  bool read_only() const override { return read_only_; }

  Status Commit() override {
    if (read_only_) return ReadOnlyError();
    if (!conn_) return Status::FailedPrecondition("unit of work already finished");
    if (dirty_) {
      // The compare-and-set: the head must still hold the checkpoint this
      // unit of work started from. The row lock makes this true unless
      // something wrote the row without it; then nothing is committed.
      const std::string token = NewToken();
      auto upd = conn_->Exec(
          "UPDATE log_heads SET leaf_count=$2, last_server_seq=$3, cp_size=$4, cp_note_sha256=$5, "
          "last_txn=$6 WHERE school_id=$1 AND cp_size=$7 AND cp_note_sha256=$8",
          Params()
              .Text(school_)
              .U64(leaf_count_)
              .U64(last_server_seq_)
              .U64(new_cp_size_)
              .Bytes(new_cp_note_sha256_)
              .Text(token)
              .U64(cp_size_)
              .Bytes(cp_note_sha256_));
      if (!upd.ok()) {
        Finish();
        return upd.status();
      }
      if (upd->affected() != 1) {
        Finish();
        return Status::FailedPrecondition("log head of school " + school_ +
                                          " moved under its row lock: checkpoint compare-and-set "
                                          "failed, nothing committed");
      }
      return CommitWithToken(token);
    }
    Status st = conn_->Command("COMMIT");
    Finish();
    return st;
  }

  Result<RowState> ReadRow(const std::string& entity, const std::string& row_id) override {
    auto rows = Exec(
        "SELECT field, vkind, value, hlc, device_id, author FROM fields "
        "WHERE school_id=$1 AND entity=$2 AND row_id=$3",
        Params().Text(school_).Text(entity).Text(row_id));
    if (!rows.ok()) return rows.status();
    RowState row;
    for (int i = 0; i < rows->size(); ++i) {
      FieldState fs;
      fs.value = rows->Val(i, 1);
      fs.stamp = Stamp{Hlc{rows->U64(i, 3)}, rows->Text(i, 4)};
      fs.author = rows->Text(i, 5);
      row.emplace(rows->Text(i, 0), std::move(fs));
    }
    return row;
  }

  // Ordered by the bytes of row_id (COLLATE "C"), as SQLite's BINARY order.
  Result<std::vector<std::pair<std::string, RowState>>> ReadEntity(
      const std::string& entity) override {
    auto rows = Exec(
        "SELECT row_id, field, vkind, value, hlc, device_id, author FROM fields "
        "WHERE school_id=$1 AND entity=$2 ORDER BY row_id COLLATE \"C\"",
        Params().Text(school_).Text(entity));
    if (!rows.ok()) return rows.status();
    std::vector<std::pair<std::string, RowState>> out;
    for (int i = 0; i < rows->size(); ++i) {
      std::string row_id = rows->Text(i, 0);
      if (out.empty() || out.back().first != row_id) out.emplace_back(row_id, RowState{});
      FieldState fs;
      fs.value = rows->Val(i, 2);
      fs.stamp = Stamp{Hlc{rows->U64(i, 4)}, rows->Text(i, 5)};
      fs.author = rows->Text(i, 6);
      out.back().second.emplace(rows->Text(i, 1), std::move(fs));
    }
    return out;
  }

  Status WriteFields(const std::string& entity, const std::string& row_id,
                     const RowState& fields) override {
    RECTIFY_RETURN_IF_ERROR(Writable());
    for (const auto& [name, fs] : fields) {
      auto r = Exec(
          "INSERT INTO fields(school_id, entity, row_id, field, vkind, value, hlc, device_id, "
          "author) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT(school_id, entity, row_id, "
          "field) DO UPDATE SET vkind=excluded.vkind, value=excluded.value, hlc=excluded.hlc, "
          "device_id=excluded.device_id, author=excluded.author",
          Params()
              .Text(school_)
              .Text(entity)
              .Text(row_id)
              .Text(name)
              .Val(fs.value)
              .U64(fs.stamp.hlc.raw)
              .Text(fs.stamp.device_id)
              .Text(fs.author));
      if (!r.ok()) return r.status();
    }
    dirty_ = true;
    return Status::OK();
  }

  Result<std::vector<std::string>> FindRows(const std::string& entity, const std::string& field,
                                            const Value& value) override {
    const bool indexed = field == "number" || field == "sha256";
    auto rows = Exec(std::string("SELECT row_id FROM fields WHERE school_id=$1 AND entity=$2 AND "
                                 "field=$3 AND vkind=$4 AND value=$5") +
                         (indexed ? " AND field IN ('number', 'sha256')" : "") + " ORDER BY row_id",
                     Params().Text(school_).Text(entity).Text(field).Val(value));
    if (!rows.ok()) return rows.status();
    std::vector<std::string> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(rows->Text(i, 0));
    return out;
  }

  Result<std::optional<StoredOp>> FindOp(const std::string& device_id,
                                         uint64_t device_seq) override {
    auto rows = Exec(std::string(kOpColumns) +
                         " FROM ops WHERE school_id=$1 AND device_id=$2 AND "
                         "device_seq=$3",
                     Params().Text(school_).Text(device_id).U64(device_seq));
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0) return std::optional<StoredOp>();
    auto op = ReadOp(*rows, 0);
    if (!op.ok()) return op.status();
    return std::optional<StoredOp>(std::move(*op));
  }

  Result<uint64_t> LastDeviceSeq(const std::string& device_id) override {
    return Scalar(
        "SELECT device_seq FROM ops WHERE school_id=$1 AND device_id=$2 "
        "ORDER BY device_seq DESC LIMIT 1",
        Params().Text(school_).Text(device_id));
  }

  Result<uint64_t> NextServerSeq() override {
    auto last = LastServerSeq();
    if (!last.ok()) return last.status();
    return *last + 1;
  }

  Status AppendOp(const StoredOp& s) override {
    RECTIFY_RETURN_IF_ERROR(Writable());
    Params p;
    p.Text(school_).Text(s.op.device_id).U64(s.op.device_seq);
    std::string sql =
        "INSERT INTO ops(school_id, device_id, device_seq, server_seq, outcome, reason, "
        "leaf_index, received_ms, op) VALUES($1,$2,$3,";
    if (s.result.server_seq == 0) {
      sql += "NULL,$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING";
    } else {
      sql += "$4,$5,$6,$7,$8,$9) ON CONFLICT DO NOTHING";
      p.U64(s.result.server_seq);
    }
    p.Int(static_cast<int64_t>(s.result.outcome))
        .Text(s.result.reason)
        .U64(s.result.leaf_index)
        .Int(s.received_ms)
        .Bytes(EncodeOp(s.op));
    auto r = Exec(sql, p);
    if (!r.ok()) return r.status();
    if (r->affected() != 1)
      return Status::AlreadyExists("op " + s.op.device_id + "/" + std::to_string(s.op.device_seq) +
                                   " already stored");
    if (s.result.server_seq > last_server_seq_) last_server_seq_ = s.result.server_seq;
    dirty_ = true;
    return Status::OK();
  }

  Result<std::vector<StoredOp>> OpsAfter(uint64_t cursor, uint32_t limit) override {
    auto rows = Exec(std::string(kOpColumns) +
                         " FROM ops WHERE school_id=$1 AND server_seq IS NOT NULL AND "
                         "server_seq > $2 ORDER BY server_seq LIMIT $3",
                     Params().Text(school_).U64(cursor).Int(limit));
    if (!rows.ok()) return rows.status();
    std::vector<StoredOp> out;
    for (int i = 0; i < rows->size(); ++i) {
      auto op = ReadOp(*rows, i);
      if (!op.ok()) return op.status();
      out.push_back(std::move(*op));
    }
    return out;
  }

  Result<uint64_t> LastServerSeq() override {
    if (!read_only_) return last_server_seq_;  // held under the head row lock
    return Scalar(
        "SELECT server_seq FROM ops WHERE school_id=$1 AND server_seq IS NOT NULL "
        "ORDER BY server_seq DESC LIMIT 1",
        Params().Text(school_));
  }

  Result<std::optional<std::string>> BoundCertificate(const std::string& device_id) override {
    auto rows = Exec("SELECT cert_device FROM device_bindings WHERE school_id=$1 AND device_id=$2",
                     Params().Text(school_).Text(device_id));
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0) return std::optional<std::string>();
    return std::optional<std::string>(rows->Text(0, 0));
  }

  Status BindDevice(const std::string& device_id, const std::string& cert_device) override {
    RECTIFY_RETURN_IF_ERROR(Writable());
    auto r = Exec(
        "INSERT INTO device_bindings(school_id, device_id, cert_device) VALUES($1,$2,$3) "
        "ON CONFLICT DO NOTHING",
        Params().Text(school_).Text(device_id).Text(cert_device));
    if (!r.ok()) return r.status();
    if (r->affected() != 1)
      return Status::AlreadyExists("device " + device_id + " is already bound");
    dirty_ = true;
    return Status::OK();
  }

  // A conflict row's columns (without id) and their 16 parameters; the VALUES
  // list is left open so the caller can add an id or RETURNING.
  static constexpr const char* kInsertConflict =
      "INSERT INTO conflicts(school_id, server_seq, entity, row_id, field, winner_kind, "
      "winner_value, winner_hlc, winner_device, winner_author, loser_kind, loser_value, "
      "loser_hlc, loser_device, loser_author, rule) "
      "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16";
  Params ConflictParams(const ConflictRecord& c) const {
    Params p;
    p.Text(school_)
        .U64(c.server_seq)
        .Text(c.entity)
        .Text(c.row_id)
        .Text(c.field)
        .Val(c.winner.value)
        .U64(c.winner.stamp.hlc.raw)
        .Text(c.winner.stamp.device_id)
        .Text(c.winner.author)
        .Val(c.loser.value)
        .U64(c.loser.stamp.hlc.raw)
        .Text(c.loser.stamp.device_id)
        .Text(c.loser.author)
        .Text(c.rule);
    return p;
  }

  Result<uint64_t> AppendConflict(const ConflictRecord& c) override {
    RECTIFY_RETURN_IF_ERROR(Writable());
    auto rows = Exec(std::string(kInsertConflict) + ") RETURNING id", ConflictParams(c));
    if (!rows.ok()) return rows.status();
    dirty_ = true;
    return rows->U64(0, 0);
  }

  Result<std::vector<ConflictRecord>> ConflictsInRange(uint64_t after_seq,
                                                       uint64_t up_to_seq) override {
    return Conflicts(std::string(kConflictColumns) +
                         " FROM conflicts WHERE school_id=$1 AND server_seq > $2 AND "
                         "server_seq <= $3 ORDER BY id",
                     Params().Text(school_).U64(after_seq).U64(up_to_seq));
  }

  Result<std::vector<ConflictRecord>> ConflictsForRow(const std::string& entity,
                                                      const std::string& row_id) override {
    return Conflicts(std::string(kConflictColumns) +
                         " FROM conflicts WHERE school_id=$1 AND entity=$2 AND row_id=$3 "
                         "ORDER BY id",
                     Params().Text(school_).Text(entity).Text(row_id));
  }

  Result<uint64_t> AppendLeaf(const std::string& leaf_bytes, const Hash& leaf_hash) override {
    RECTIFY_RETURN_IF_ERROR(Writable());
    const uint64_t index = leaf_count_;
    auto r = Exec(
        "INSERT INTO leaves(school_id, idx, hash, bytes) VALUES($1,$2,$3,$4) "
        "ON CONFLICT DO NOTHING",
        Params().Text(school_).U64(index).Bytes(HashBytes(leaf_hash)).Bytes(leaf_bytes));
    if (!r.ok()) return r.status();
    if (r->affected() != 1)
      return Status::Corruption("school " + school_ + ": leaf " + std::to_string(index) +
                                " is stored but the log head counts " +
                                std::to_string(leaf_count_) + " leaves");
    leaf_count_ = index + 1;
    dirty_ = true;
    return index;
  }

  Result<uint64_t> LeafCount() override {
    if (!read_only_) return leaf_count_;
    // Both the head's count and the highest stored index: a deleted last
    // leaf then shows up as a hole for verify to report.
    return Scalar(
        "SELECT GREATEST(COALESCE((SELECT leaf_count FROM log_heads WHERE school_id=$1), 0), "
        "COALESCE((SELECT idx + 1 FROM leaves WHERE school_id=$1 ORDER BY idx DESC LIMIT 1), 0))",
        Params().Text(school_));
  }

  Result<std::vector<std::string>> ReadLeaves(uint64_t from, uint64_t limit) override {
    uint64_t end = limit > UINT64_MAX - from ? UINT64_MAX : from + limit;
    if (end > static_cast<uint64_t>(INT64_MAX)) end = static_cast<uint64_t>(INT64_MAX);
    auto rows =
        Exec("SELECT bytes FROM leaves WHERE school_id=$1 AND idx >= $2 AND idx < $3 ORDER BY idx",
             Params().Text(school_).U64(from).U64(end));
    if (!rows.ok()) return rows.status();
    std::vector<std::string> out;
    out.reserve(static_cast<size_t>(rows->size()));
    for (int i = 0; i < rows->size(); ++i) out.push_back(rows->Bytes(i, 0));
    return out;
  }

  Result<std::optional<Hash>> GetNode(uint32_t level, uint64_t index) override {
    if (level < kFirstStoredNodeLevel) return DerivedNode(level, index);
    auto rows = Exec("SELECT hash FROM merkle_nodes WHERE school_id=$1 AND level=$2 AND idx=$3",
                     Params().Text(school_).Int(level).U64(index));
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0) return std::optional<Hash>();
    auto h = HashFromBytes(rows->Bytes(0, 0));
    if (!h.ok()) return Status::Corruption("merkle node has a bad length");
    return std::optional<Hash>(*h);
  }

  Status PutNode(uint32_t level, uint64_t index, const Hash& hash) override {
    RECTIFY_RETURN_IF_ERROR(Writable());
    if (level == 0)
      return Status::InvalidArgument("level-0 nodes are the leaf hashes given to AppendLeaf");
    if (level < kFirstStoredNodeLevel) return Status::OK();
    auto r = Exec(
        "INSERT INTO merkle_nodes(school_id, level, idx, hash) VALUES($1,$2,$3,$4) "
        "ON CONFLICT DO NOTHING",
        Params().Text(school_).Int(level).U64(index).Bytes(HashBytes(hash)));
    if (!r.ok()) return r.status();
    if (r->affected() != 1)
      return Status::AlreadyExists("merkle node (" + std::to_string(level) + ", " +
                                   std::to_string(index) + ") is already stored");
    dirty_ = true;
    return Status::OK();
  }

  Status SaveCheckpoint(const StoredCheckpoint& c) override {
    RECTIFY_RETURN_IF_ERROR(Writable());
    if (c.size < new_cp_size_)
      return Status::FailedPrecondition("checkpoint of size " + std::to_string(c.size) +
                                        " is older than the stored one (" +
                                        std::to_string(new_cp_size_) + ")");
    auto r = Exec(
        "INSERT INTO checkpoints(school_id, size, note) VALUES($1,$2,$3) ON CONFLICT DO NOTHING",
        Params().Text(school_).U64(c.size).Text(c.note));
    if (!r.ok()) return r.status();
    if (r->affected() != 1)
      return Status::FailedPrecondition("a checkpoint of size " + std::to_string(c.size) +
                                        " is already signed for school " + school_);
    new_cp_size_ = c.size;
    new_cp_note_sha256_ = HashBytes(Sha256(c.note));
    dirty_ = true;
    return Status::OK();
  }

  Result<std::optional<StoredCheckpoint>> LatestCheckpoint() override {
    auto rows = Exec(
        "SELECT size, note FROM checkpoints WHERE school_id=$1 ORDER BY size DESC "
        "LIMIT 1",
        Params().Text(school_));
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0) return std::optional<StoredCheckpoint>();
    return std::optional<StoredCheckpoint>(StoredCheckpoint{rows->U64(0, 0), rows->Text(0, 1)});
  }

  // See PgStore::LoadSchool. Called right after LockHead().
  Status Load(const SchoolDump& d, bool* copied) {
    *copied = false;
    if (leaf_count_ > 0 || cp_size_ > 0 || last_server_seq_ > 0) {
      auto latest = LatestCheckpoint();
      if (!latest.ok()) return latest.status();
      const bool same = leaf_count_ == d.leaves.size() &&
                        (d.checkpoints.empty()
                             ? !latest->has_value()
                             : latest->has_value() && (*latest)->note == d.checkpoints.back().note);
      if (same) return Status::OK();
      return Status::FailedPrecondition(
          "school " + school_ + " already holds " + std::to_string(leaf_count_) +
          " leaves in postgresql that are not this copy (" + std::to_string(d.leaves.size()) +
          " leaves); refusing to mix two histories");
    }
    for (const auto& op : d.ops) RECTIFY_RETURN_IF_ERROR(AppendOp(op));
    for (const auto& row : d.rows)
      RECTIFY_RETURN_IF_ERROR(WriteFields(row.entity, row.row_id, row.fields));
    for (const auto& c : d.conflicts) {
      // The copied id goes last: the column list of kInsertConflict plus ", id".
      std::string sql(kInsertConflict);
      sql.replace(sql.find(", rule)"), 7, ", rule, id)");
      auto r = Exec(sql + ",$17)", ConflictParams(c).U64(c.id));
      if (!r.ok()) return r.status();
    }
    if (!d.conflicts.empty()) {
      // Later conflicts get ids after the copied ones.
      auto r =
          Exec("SELECT setval('conflicts_id_seq', GREATEST((SELECT max(id) FROM conflicts), $1))",
               Params().U64(d.conflicts.back().id));
      if (!r.ok()) return r.status();
    }
    for (const auto& [device, cert] : d.bindings) RECTIFY_RETURN_IF_ERROR(BindDevice(device, cert));
    SqliteNodeStore nodes(*this);
    MerkleTree tree(nodes, 0);
    for (const auto& [bytes, hash] : d.leaves) {
      if (LeafHash(bytes) != hash)
        return Status::Corruption("school " + school_ + ": leaf " + std::to_string(tree.size()) +
                                  " does not match its recorded hash; verify the source first");
      auto index = AppendLeaf(bytes, hash);
      if (!index.ok()) return index.status();
      RECTIFY_RETURN_IF_ERROR(tree.Append(hash));
    }
    for (const auto& cp : d.checkpoints) RECTIFY_RETURN_IF_ERROR(SaveCheckpoint(cp));
    RECTIFY_RETURN_IF_ERROR(Commit());
    *copied = true;
    return Status::OK();
  }

 private:
  static constexpr const char* kOpColumns =
      "SELECT server_seq, outcome, reason, leaf_index, received_ms, op, device_seq";
  static constexpr const char* kConflictColumns =
      "SELECT id, server_seq, entity, row_id, field, winner_kind, winner_value, winner_hlc, "
      "winner_device, winner_author, loser_kind, loser_value, loser_hlc, loser_device, "
      "loser_author, rule";

  Status Writable() const {
    if (read_only_) return ReadOnlyError();
    if (!conn_) return Status::FailedPrecondition("unit of work already finished");
    return Status::OK();
  }

  Result<Rows> Exec(const std::string& sql, const Params& p) {
    if (!conn_) return Status::FailedPrecondition("unit of work already finished");
    return conn_->Exec(sql, p);
  }

  Result<uint64_t> Scalar(const std::string& sql, const Params& p) {
    auto rows = Exec(sql, p);
    if (!rows.ok()) return rows.status();
    if (rows->size() == 0 || rows->IsNull(0, 0)) return uint64_t{0};
    return rows->U64(0, 0);
  }

  // COMMIT; if its outcome is lost with the connection, asks the database
  // (on a fresh connection, waiting on the row lock until the old
  // transaction has ended either way) whether this unit of work's token is
  // in the head row.
  Status CommitWithToken(const std::string& token) {
    PGresult* r = PQexec(conn_->raw(), "COMMIT");
    const bool sent_ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    const std::string tag = sent_ok ? PQcmdStatus(r) : "";
    Status st = ResultStatus(conn_->raw(), r, "COMMIT");
    PQclear(r);
    const bool lost = !conn_->healthy();
    Finish();
    if (sent_ok && tag == "COMMIT") return Status::OK();
    if (!lost) return st.ok() ? Status::Unavailable("COMMIT was rolled back") : st;
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto conn = store_->Acquire();
      if (conn.ok()) {
        Status begin = (*conn)->Command("BEGIN");
        auto rows = begin.ok() ? (*conn)->Exec(
                                     "SELECT last_txn FROM log_heads WHERE school_id=$1 FOR UPDATE",
                                     Params().Text(school_))
                               : Result<Rows>(begin);
        (void)(*conn)->Command("ROLLBACK");
        const bool answered = rows.ok();
        const bool committed = answered && rows->size() == 1 && rows->Text(0, 0) == token;
        store_->Release(std::move(*conn));
        if (committed) return Status::OK();
        if (answered)
          return Status::Unavailable(
              "the connection was lost during COMMIT and the unit of work "
              "was not committed; retry");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
    }
    return Status::Unavailable(
        "the connection was lost during COMMIT and the outcome could not be read back");
  }

  // Rolls back an open transaction and returns the connection to the pool.
  void Finish() {
    if (!conn_) return;
    if (conn_->healthy() && conn_->in_transaction()) (void)conn_->Command("ROLLBACK");
    store_->Release(std::move(conn_));
  }

  Result<std::optional<Hash>> DerivedNode(uint32_t level, uint64_t index) {
    const uint64_t width = uint64_t{1} << level;
    if (index > (static_cast<uint64_t>(INT64_MAX) >> level) - 1) return std::optional<Hash>();
    auto rows =
        Exec("SELECT hash FROM leaves WHERE school_id=$1 AND idx >= $2 AND idx < $3 ORDER BY idx",
             Params().Text(school_).U64(index * width).U64((index + 1) * width));
    if (!rows.ok()) return rows.status();
    if (static_cast<uint64_t>(rows->size()) != width) return std::optional<Hash>();
    std::vector<Hash> hashes;
    hashes.reserve(width);
    for (int i = 0; i < rows->size(); ++i) {
      auto h = HashFromBytes(rows->Bytes(i, 0));
      if (!h.ok()) return Status::Corruption("leaf hash has a bad length");
      hashes.push_back(*h);
    }
    return std::optional<Hash>(RootOf(hashes));
  }

  static Result<StoredOp> ReadOp(const Rows& rows, int i) {
    StoredOp s;
    if (!DecodeOp(rows.Bytes(i, 5), &s.op)) return Status::Corruption("stored op does not decode");
    s.result.server_seq = rows.IsNull(i, 0) ? 0 : rows.U64(i, 0);
    s.result.outcome = static_cast<protocol::Outcome>(rows.Int(i, 1));
    s.result.reason = rows.Text(i, 2);
    s.result.leaf_index = rows.U64(i, 3);
    s.received_ms = rows.Int(i, 4);
    s.result.device_seq = rows.U64(i, 6);
    return s;
  }

  Result<std::vector<ConflictRecord>> Conflicts(const std::string& sql, const Params& p) {
    auto rows = Exec(sql, p);
    if (!rows.ok()) return rows.status();
    std::vector<ConflictRecord> out;
    for (int i = 0; i < rows->size(); ++i) {
      ConflictRecord c;
      c.id = rows->U64(i, 0);
      c.server_seq = rows->U64(i, 1);
      c.entity = rows->Text(i, 2);
      c.row_id = rows->Text(i, 3);
      c.field = rows->Text(i, 4);
      c.winner = FieldState{rows->Val(i, 5), Stamp{Hlc{rows->U64(i, 7)}, rows->Text(i, 8)},
                            rows->Text(i, 9)};
      c.loser = FieldState{rows->Val(i, 10), Stamp{Hlc{rows->U64(i, 12)}, rows->Text(i, 13)},
                           rows->Text(i, 14)};
      c.rule = rows->Text(i, 15);
      out.push_back(std::move(c));
    }
    return out;
  }

  const std::string school_;
  PgStore* store_;
  std::unique_ptr<PgStore::Conn> conn_;  // null once finished
  const bool read_only_;
  bool dirty_ = false;
  // Write txns: the head row as locked at Begin(), then as this txn moves it.
  uint64_t leaf_count_ = 0, last_server_seq_ = 0;
  uint64_t cp_size_ = 0, new_cp_size_ = 0;
  std::string cp_note_sha256_, new_cp_note_sha256_;
};

Status Migrate(PgStore::Conn& conn) {
  RECTIFY_RETURN_IF_ERROR(conn.Command("BEGIN"));
  RECTIFY_RETURN_IF_ERROR(conn.Command(
      (std::string("SELECT pg_advisory_xact_lock(x'") + kMigrationLockKey + "'::bigint)").c_str()));
  RECTIFY_RETURN_IF_ERROR(
      conn.Command("CREATE TABLE IF NOT EXISTS rectify_schema(version INTEGER NOT NULL)"));
  auto rows = conn.Exec("SELECT max(version) FROM rectify_schema", Params());
  if (!rows.ok()) return rows.status();
  const int64_t version = rows->IsNull(0, 0) ? 0 : rows->Int(0, 0);
  if (version > PgStore::kSchemaVersion) {
    (void)conn.Command("ROLLBACK");
    return Status::FailedPrecondition("database schema version " + std::to_string(version) +
                                      " is newer than this rectifyd (" +
                                      std::to_string(PgStore::kSchemaVersion) + ")");
  }
  if (version < 1) RECTIFY_RETURN_IF_ERROR(conn.Command(kSchemaV1));
  if (version < PgStore::kSchemaVersion) {
    RECTIFY_RETURN_IF_ERROR(conn.Command("DELETE FROM rectify_schema"));
    auto ins = conn.Exec("INSERT INTO rectify_schema(version) VALUES($1)",
                         Params().Int(PgStore::kSchemaVersion));
    if (!ins.ok()) return ins.status();
  }
  return conn.Command("COMMIT");
}

}  // namespace

bool IsPostgresUri(std::string_view spec) {
  return spec.starts_with("postgresql://") || spec.starts_with("postgres://");
}

PgStore::PgStore(std::string uri) : uri_(std::move(uri)) {}
PgStore::~PgStore() = default;

Result<std::unique_ptr<PgStore::Conn>> PgStore::Acquire() {
  {
    std::lock_guard<std::mutex> g(mu_);
    while (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->healthy()) return conn;
    }
  }
  auto conn = std::make_unique<Conn>(PQconnectdb(uri_.c_str()));
  if (!conn->healthy()) {
    std::string msg = PQerrorMessage(conn->raw());
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return Status::Unavailable("cannot connect to postgresql: " + msg);
  }
  RECTIFY_RETURN_IF_ERROR(conn->Command("SET client_encoding TO 'UTF8'"));
  RECTIFY_RETURN_IF_ERROR(conn->Command("SET client_min_messages TO warning"));
  return conn;
}

void PgStore::Release(std::unique_ptr<Conn> conn) {
  if (!conn || !conn->healthy() || conn->in_transaction()) return;  // closed
  std::lock_guard<std::mutex> g(mu_);
  if (idle_.size() < 16) idle_.push_back(std::move(conn));
}

Result<std::unique_ptr<PgStore>> PgStore::Open(const std::string& uri) {
  if (!IsPostgresUri(uri))
    return Status::InvalidArgument("not a postgresql:// URI: \"" + uri + "\"");
  std::unique_ptr<PgStore> store(new PgStore(uri));
  auto conn = store->Acquire();
  if (!conn.ok()) return conn.status();
  RECTIFY_RETURN_IF_ERROR(Migrate(**conn).Annotate("migrating the postgresql schema"));
  store->Release(std::move(*conn));
  return store;
}

Result<std::unique_ptr<SchoolTxn>> PgStore::Begin(const std::string& school_id) {
  if (school_id.empty()) return Status::InvalidArgument("empty school id");
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  RECTIFY_RETURN_IF_ERROR((*conn)->Command("BEGIN ISOLATION LEVEL READ COMMITTED"));
  auto txn = std::make_unique<PgSchoolTxn>(school_id, this, std::move(*conn), false);
  RECTIFY_RETURN_IF_ERROR(txn->LockHead());
  return std::unique_ptr<SchoolTxn>(std::move(txn));
}

Result<std::unique_ptr<SchoolTxn>> PgStore::BeginRead(const std::string& school_id) {
  if (school_id.empty()) return Status::InvalidArgument("empty school id");
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  RECTIFY_RETURN_IF_ERROR((*conn)->Command("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  return std::unique_ptr<SchoolTxn>(new PgSchoolTxn(school_id, this, std::move(*conn), true));
}

Status PgStore::LoadSchool(const SchoolDump& dump, bool* copied) {
  auto txn = Begin(dump.school_id);
  if (!txn.ok()) return txn.status();
  return static_cast<PgSchoolTxn&>(**txn).Load(dump, copied);
}

Result<std::vector<std::string>> PgStore::ListSchools() {
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Exec(
      "SELECT school_id FROM log_heads WHERE leaf_count > 0 UNION "
      "SELECT DISTINCT school_id FROM checkpoints ORDER BY 1",
      Params());
  Release(std::move(*conn));
  if (!rows.ok()) return rows.status();
  std::vector<std::string> out;
  for (int i = 0; i < rows->size(); ++i) out.push_back(rows->Text(i, 0));
  return out;
}

}  // namespace rectify
