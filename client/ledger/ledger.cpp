#include "client/ledger/ledger.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "client/ledger/ledger_internal.h"
#include "client/ledger/ledger_schema.h"
#include "shared/field_value.h"
#include "shared/limits.h"
#include "shared/schema.h"

namespace rectify {

using namespace ledger_internal;

namespace {

constexpr const char* kReservedMeta[] = {"device_id", "school_id",   "role",
                                         "hlc_last",  "pull_cursor", "last_device_seq"};

bool IsReservedMeta(const std::string& key) {
  if (key.rfind("ledger.", 0) == 0) return true;
  for (const char* k : kReservedMeta)
    if (key == k) return true;
  return false;
}

}  // namespace

// ---- helpers shared with the other ledger_*.cpp files ------------------------

namespace ledger_internal {

std::string Quote(std::string_view name) { return "\"" + std::string(name) + "\""; }

Value DefaultValue(std::string_view field) {
  // Mirrors the DEFAULT 0 of the "deleted" column in the ledger schema.
  if (field == kDeletedField) return int64_t{0};
  return std::monostate{};
}

Result<std::optional<std::map<std::string, Value>>> ReadViewRow(Database& db, const EntityDef& def,
                                                                const std::string& row_id) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < def.fields.size(); ++i) {
    if (i) sql += ", ";
    sql += Quote(def.fields[i].name);
  }
  sql += " FROM " + Quote(def.name) + " WHERE id = ?1";
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, row_id));
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::map<std::string, Value>>();
  std::map<std::string, Value> out;
  for (size_t i = 0; i < def.fields.size(); ++i)
    out[std::string(def.fields[i].name)] = stmt->ColumnValue(static_cast<int>(i));
  return std::optional<std::map<std::string, Value>>(std::move(out));
}

Status SetViewFields(Database& db, const EntityDef& def, const std::string& row_id,
                     const std::string& school_id, const RowState& fields) {
  auto ins =
      db.Prepare("INSERT OR IGNORE INTO " + Quote(def.name) + "(id, school_id) VALUES(?1, ?2)");
  if (!ins.ok()) return ins.status();
  RECTIFY_RETURN_IF_ERROR(ins->Bind(1, row_id));
  RECTIFY_RETURN_IF_ERROR(ins->Bind(2, school_id));
  RECTIFY_RETURN_IF_ERROR(ins->Run());
  auto stamp = db.Prepare(
      "INSERT OR REPLACE INTO field_stamp(entity, row_id, field, hlc, device_id, author) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  if (!stamp.ok()) return stamp.status();
  for (const auto& [field, state] : fields) {
    // Fields unknown to this build (a newer peer's schema) stay in canon only.
    if (def.Find(field) == nullptr) continue;
    auto upd =
        db.Prepare("UPDATE " + Quote(def.name) + " SET " + Quote(field) + " = ?1 WHERE id = ?2");
    if (!upd.ok()) return upd.status();
    Value v = state.value;
    // "deleted" is NOT NULL; a NULL write means "not deleted".
    if (field == kDeletedField && IsNull(v)) v = int64_t{0};
    RECTIFY_RETURN_IF_ERROR(upd->Bind(1, v));
    RECTIFY_RETURN_IF_ERROR(upd->Bind(2, row_id));
    RECTIFY_RETURN_IF_ERROR(upd->Run());
    RECTIFY_RETURN_IF_ERROR(stamp->Reset());
    RECTIFY_RETURN_IF_ERROR(stamp->Bind(1, def.name));
    RECTIFY_RETURN_IF_ERROR(stamp->Bind(2, row_id));
    RECTIFY_RETURN_IF_ERROR(stamp->Bind(3, field));
    RECTIFY_RETURN_IF_ERROR(stamp->Bind(4, static_cast<int64_t>(state.stamp.hlc.raw)));
    RECTIFY_RETURN_IF_ERROR(stamp->Bind(5, state.stamp.device_id));
    RECTIFY_RETURN_IF_ERROR(stamp->Bind(6, state.author));
    RECTIFY_RETURN_IF_ERROR(stamp->Run());
  }
  return Status::OK();
}

namespace {
Result<Statement> PrepareWith(Database& db, std::string_view sql,
                              const std::vector<Value>& params) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  for (size_t i = 0; i < params.size(); ++i) {
    Status st = stmt->Bind(static_cast<int>(i + 1), params[i]);
    if (!st.ok()) return st;
  }
  return stmt;
}
}  // namespace

Result<int64_t> QueryInt(Database& db, std::string_view sql, const std::vector<Value>& params,
                         int64_t fallback) {
  auto stmt = PrepareWith(db, sql, params);
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row || stmt->ColumnIsNull(0)) return fallback;
  return stmt->ColumnInt(0);
}

Result<std::vector<std::string>> QueryTexts(Database& db, std::string_view sql,
                                            const std::vector<Value>& params) {
  auto stmt = PrepareWith(db, sql, params);
  if (!stmt.ok()) return stmt.status();
  std::vector<std::string> out;
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back(stmt->ColumnText(0));
  }
}

}  // namespace ledger_internal

// ---- open, identity, meta ----------------------------------------------------

Ledger::Ledger(std::unique_ptr<Database> db, const Clock& clock, IdSource& ids)
    : db_(std::move(db)), clock_(clock), ids_(ids), hlc_(clock) {}

Ledger::~Ledger() = default;

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& path, const Clock& clock,
                                             IdSource& ids, Database::OpenMode mode) {
  if (mode != Database::OpenMode::kCreate && path != ":memory:") {
    if (::access(path.c_str(), F_OK) != 0)
      return Status::NotFound("there is no ledger at " + path +
                              " (check --db or RECTIFY_DB; `rectify init` creates a ledger)");
    // A file nobody may write (chmod a-w) is read-only even to root.
    struct stat st {};
    if (::access(path.c_str(), W_OK) != 0 ||
        (::stat(path.c_str(), &st) == 0 && (st.st_mode & 0222) == 0))
      mode = Database::OpenMode::kReadOnly;
  }
  auto db = Database::Open(path, false, mode);
  if (!db.ok()) return db.status();
  const bool read_only = mode == Database::OpenMode::kReadOnly;
  Status st = read_only ? Status::OK() : MigrateLedger(**db);
  if (st.ok()) st = CheckLedgerSchema(**db);
  if (!st.ok()) return st.Annotate("opening ledger " + path);
  std::unique_ptr<Ledger> ledger(new Ledger(std::move(*db), clock, ids));
  st = read_only ? ledger->LoadIdentity() : ledger->InTx([&] { return ledger->LoadIdentity(); });
  if (!st.ok()) return st.Annotate("opening ledger " + path);
  return ledger;
}

Status Ledger::LoadIdentity() {
  auto device = GetMeta("device_id");
  if (!device) {
    device_id_ = ids_.NewId();
    RECTIFY_RETURN_IF_ERROR(PutMeta("device_id", device_id_));
  } else {
    device_id_ = *device;
  }
  role_ = ParseRole(GetMeta("role").value_or("")).value_or(Role::kSchool);
  school_id_ = GetMeta("school_id").value_or("");
  pull_cursor_ = std::stoull(GetMeta("pull_cursor").value_or("0"));
  hlc_.Observe(Hlc{std::stoull(GetMeta("hlc_last").value_or("0"))});
  return Status::OK();
}

Status Ledger::InTx(const std::function<Status()>& body) {
  if (db_->InTransaction()) return body();
  auto tx = Transaction::Begin(*db_);
  if (!tx.ok()) return tx.status();
  const std::string school = school_id_;
  const Role role = role_;
  const uint64_t cursor = pull_cursor_;
  Status st = body();
  if (st.ok()) st = tx->Commit();
  if (!st.ok()) {
    // The transaction rolls back when `tx` goes; the cache must follow it.
    // The HLC is left advanced on purpose: it only has to be monotonic.
    school_id_ = school;
    role_ = role;
    pull_cursor_ = cursor;
  }
  return st;
}

std::optional<std::string> Ledger::GetMeta(const std::string& key) {
  auto stmt = db_->Prepare("SELECT value FROM meta WHERE key = ?1");
  if (!stmt.ok() || !stmt->Bind(1, key).ok()) return std::nullopt;
  auto row = stmt->Step();
  if (!row.ok() || !*row) return std::nullopt;
  return stmt->ColumnText(0);
}

Status Ledger::PutMeta(const std::string& key, const std::string& value) {
  auto stmt = db_->Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)");
  if (!stmt.ok()) return stmt.status();
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, key));
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(2, value));
  return stmt->Run();
}

Status Ledger::SetMeta(const std::string& key, const std::string& value) {
  if (IsReservedMeta(key))
    return Status::InvalidArgument("meta key '" + key + "' is reserved for the ledger");
  return InTx([&] { return PutMeta(key, value); });
}

Status Ledger::SetIdentity(const std::string& school_id, std::string_view role_name) {
  auto role = ParseRole(role_name);
  if (!role)
    return Status::InvalidArgument("role must be 'school' or 'auditor', got '" +
                                   std::string(role_name) + "'");
  return SetIdentity(school_id, *role);
}

Status Ledger::SetIdentity(const std::string& school_id, Role role) {
  if (school_id.empty()) return Status::InvalidArgument("school id is empty");
  return InTx([&]() -> Status {
    if (!school_id_.empty() && school_id_ != school_id) {
      auto used = QueryInt(*db_,
                           "SELECT (SELECT COUNT(*) FROM field_stamp) + "
                           "(SELECT COUNT(*) FROM canon_field) + (SELECT COUNT(*) FROM outbox)",
                           {}, 0);
      if (!used.ok()) return used.status();
      if (*used > 0)
        return Status::FailedPrecondition("this ledger belongs to school '" + school_id_ +
                                          "', not '" + school_id + "'");
    }
    RECTIFY_RETURN_IF_ERROR(PutMeta("school_id", school_id));
    RECTIFY_RETURN_IF_ERROR(PutMeta("role", std::string(RoleName(role))));
    school_id_ = school_id;
    role_ = role;
    return Status::OK();
  });
}

// ---- the edit path -------------------------------------------------------------

Status Ledger::Edit(std::string_view entity, const std::string& row_id, Fields fields,
                    const std::string& author) {
  return InTx([&] { return EditInTx(entity, row_id, std::move(fields), author); });
}

Result<Stamp> Ledger::FieldStampOf(std::string_view entity, const std::string& row_id,
                                   const std::string& field) {
  auto stmt = db_->Prepare(
      "SELECT hlc, device_id FROM field_stamp WHERE entity = ?1 AND row_id = ?2 AND field = ?3");
  if (!stmt.ok()) return stmt.status();
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, entity));
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(2, row_id));
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(3, field));
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Stamp{};
  return Stamp{Hlc{static_cast<uint64_t>(stmt->ColumnInt(0))}, stmt->ColumnText(1)};
}

Status Ledger::EditInTx(std::string_view entity, const std::string& row_id, Fields fields,
                        const std::string& author, bool* wrote, bool keep_unchanged) {
  if (wrote) *wrote = false;
  const EntityDef* def = FindEntity(entity);
  if (def == nullptr)
    return Status::InvalidArgument("unknown entity '" + std::string(entity) + "'");
  if (row_id.empty()) return Status::InvalidArgument("empty row id for " + std::string(entity));
  std::sort(fields.begin(), fields.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < fields.size(); ++i) {
    const FieldDef* f = def->Find(fields[i].first);
    if (f == nullptr)
      return Status::InvalidArgument("entity '" + std::string(entity) + "' has no field '" +
                                     fields[i].first + "'");
    if (i > 0 && fields[i].first == fields[i - 1].first)
      return Status::InvalidArgument("field '" + fields[i].first + "' given twice");
    RECTIFY_RETURN_IF_ERROR(CheckFieldValue(entity, *f, fields[i].second));
  }
  auto current = ReadViewRow(*db_, *def, row_id);
  if (!current.ok()) return current.status();
  if (!keep_unchanged) {
    std::erase_if(fields, [&](const auto& kv) {
      Value now = current->has_value() ? (**current).at(kv.first) : DefaultValue(kv.first);
      return now == kv.second;
    });
  }
  if (fields.empty()) return Status::OK();
  if (school_id_.empty())
    return Status::FailedPrecondition("the ledger has no school yet (initialise it first)");

  Op op;
  op.device_id = device_id_;
  auto last_seq = std::stoull(GetMeta("last_device_seq").value_or("0"));
  op.device_seq = last_seq + 1;
  op.school_id = school_id_;
  op.entity = std::string(entity);
  op.row_id = row_id;
  op.hlc = hlc_.Now();
  op.author = author;
  op.schema_version = kSchemaVersion;
  RowState changed;
  for (auto& [name, value] : fields) {
    auto base = FieldStampOf(entity, row_id, name);
    if (!base.ok()) return base.status();
    op.fields.push_back(FieldChange{name, value, *base});
    changed[name] = FieldState{value, op.stamp(), author};
  }
  if (auto too_large = OpTooLarge(op)) return Status::InvalidArgument(*too_large);
  RECTIFY_RETURN_IF_ERROR(SetViewFields(*db_, *def, row_id, school_id_, changed));
  auto ins = db_->Prepare(
      "INSERT INTO outbox(device_seq, entity, row_id, op, state) VALUES(?1, ?2, ?3, ?4, "
      "'pending')");
  if (!ins.ok()) return ins.status();
  RECTIFY_RETURN_IF_ERROR(ins->Bind(1, static_cast<int64_t>(op.device_seq)));
  RECTIFY_RETURN_IF_ERROR(ins->Bind(2, op.entity));
  RECTIFY_RETURN_IF_ERROR(ins->Bind(3, op.row_id));
  RECTIFY_RETURN_IF_ERROR(ins->BindBlob(4, EncodeOp(op)));
  RECTIFY_RETURN_IF_ERROR(ins->Run());
  RECTIFY_RETURN_IF_ERROR(PutMeta("last_device_seq", std::to_string(op.device_seq)));
  RECTIFY_RETURN_IF_ERROR(PutMeta("hlc_last", std::to_string(hlc_.last().raw)));
  if (wrote) *wrote = true;
  return Status::OK();
}

std::optional<std::map<std::string, Value>> Ledger::GetRow(std::string_view entity,
                                                           const std::string& row_id) {
  const EntityDef* def = FindEntity(entity);
  if (def == nullptr) return std::nullopt;
  auto row = ReadViewRow(*db_, *def, row_id);
  if (!row.ok()) return std::nullopt;
  return *row;
}

std::vector<std::string> Ledger::RowIds(std::string_view entity) {
  const EntityDef* def = FindEntity(entity);
  if (def == nullptr) return {};
  auto ids =
      QueryTexts(*db_, "SELECT id FROM " + Quote(def->name) + " WHERE deleted = 0 ORDER BY id", {});
  return ids.ok() ? *ids : std::vector<std::string>{};
}

// ---- canon and rebuilding --------------------------------------------------------

Result<RowState> Ledger::LoadCanonRow(const std::string& entity, const std::string& row_id,
                                      std::string* school_id) {
  auto stmt = db_->Prepare(
      "SELECT field, value, hlc, device_id, author, school_id FROM canon_field "
      "WHERE entity = ?1 AND row_id = ?2");
  if (!stmt.ok()) return stmt.status();
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, entity));
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(2, row_id));
  RowState row;
  for (;;) {
    auto more = stmt->Step();
    if (!more.ok()) return more.status();
    if (!*more) break;
    row[stmt->ColumnText(0)] =
        FieldState{stmt->ColumnValue(1),
                   Stamp{Hlc{static_cast<uint64_t>(stmt->ColumnInt(2))}, stmt->ColumnText(3)},
                   stmt->ColumnText(4)};
    if (school_id) *school_id = stmt->ColumnText(5);
  }
  return row;
}

Status Ledger::StoreCanonRow(const std::string& entity, const std::string& row_id,
                             const std::string& school_id, const RowState& row) {
  auto stmt = db_->Prepare(
      "INSERT OR REPLACE INTO canon_field(entity, row_id, field, value, hlc, device_id, author, "
      "school_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!stmt.ok()) return stmt.status();
  for (const auto& [field, state] : row) {
    RECTIFY_RETURN_IF_ERROR(stmt->Reset());
    RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, entity));
    RECTIFY_RETURN_IF_ERROR(stmt->Bind(2, row_id));
    RECTIFY_RETURN_IF_ERROR(stmt->Bind(3, field));
    RECTIFY_RETURN_IF_ERROR(stmt->Bind(4, state.value));
    RECTIFY_RETURN_IF_ERROR(stmt->Bind(5, static_cast<int64_t>(state.stamp.hlc.raw)));
    RECTIFY_RETURN_IF_ERROR(stmt->Bind(6, state.stamp.device_id));
    RECTIFY_RETURN_IF_ERROR(stmt->Bind(7, state.author));
    RECTIFY_RETURN_IF_ERROR(stmt->Bind(8, school_id));
    RECTIFY_RETURN_IF_ERROR(stmt->Run());
  }
  return Status::OK();
}

Status Ledger::RebuildRow(const std::string& entity, const std::string& row_id) {
  std::string school_id;
  auto row = LoadCanonRow(entity, row_id, &school_id);
  if (!row.ok()) return row.status();
  auto stmt =
      db_->Prepare("SELECT op FROM outbox WHERE entity = ?1 AND row_id = ?2 ORDER BY device_seq");
  if (!stmt.ok()) return stmt.status();
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, entity));
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(2, row_id));
  for (;;) {
    auto more = stmt->Step();
    if (!more.ok()) return more.status();
    if (!*more) break;
    Op op;
    if (!DecodeOp(stmt->ColumnBlob(0), &op))
      return Status::Corruption("undecodable op in outbox for " + entity + "/" + row_id);
    if (school_id.empty()) school_id = op.school_id;
    MergeOp(*row, op);
  }
  return WriteVisibleRow(entity, row_id, school_id, *row);
}

Status Ledger::WriteVisibleRow(const std::string& entity, const std::string& row_id,
                               const std::string& school_id, const RowState& row) {
  const EntityDef* def = FindEntity(entity);
  if (def == nullptr) return Status::OK();  // an entity of a newer schema: canon only
  auto del = db_->Prepare("DELETE FROM " + Quote(def->name) + " WHERE id = ?1");
  if (!del.ok()) return del.status();
  RECTIFY_RETURN_IF_ERROR(del->Bind(1, row_id));
  RECTIFY_RETURN_IF_ERROR(del->Run());
  auto del_stamps = db_->Prepare("DELETE FROM field_stamp WHERE entity = ?1 AND row_id = ?2");
  if (!del_stamps.ok()) return del_stamps.status();
  RECTIFY_RETURN_IF_ERROR(del_stamps->Bind(1, entity));
  RECTIFY_RETURN_IF_ERROR(del_stamps->Bind(2, row_id));
  RECTIFY_RETURN_IF_ERROR(del_stamps->Run());
  if (row.empty()) return Status::OK();
  return SetViewFields(*db_, *def, row_id, school_id, row);
}

}  // namespace rectify
