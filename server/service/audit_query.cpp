#include "server/service/audit_query.h"

#include <chrono>
#include <map>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "shared/audit_leaf.h"
#include "shared/domain.h"
#include "shared/merge.h"
#include "shared/schema.h"
#include "shared/date.h"

namespace rectify {

namespace {

using nlohmann::json;

constexpr uint32_t kAllOps = UINT32_MAX;

json ValueJson(const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return nullptr;
}

// Text from devices may hold invalid UTF-8; replacing it keeps the answer
// well-formed instead of failing the whole query.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

struct DecodedLeaf {
  AuditLeaf leaf;
  Op op;
};

Result<std::vector<DecodedLeaf>> ReadAllLeaves(SchoolTxn& txn) {
  auto count = txn.LeafCount();
  if (!count.ok()) return count.status();
  auto raw = txn.ReadLeaves(0, *count);
  if (!raw.ok()) return raw.status();
  std::vector<DecodedLeaf> out;
  out.reserve(raw->size());
  for (const auto& bytes : *raw) {
    auto leaf = DecodeAuditLeaf(bytes);
    if (!leaf.ok()) return leaf.status().Annotate("leaf " + std::to_string(out.size()));
    DecodedLeaf d{std::move(*leaf), {}};
    if (!DecodeOp(d.leaf.op_bytes, &d.op))
      return Status::Corruption("leaf " + std::to_string(d.leaf.index) + ": op does not decode");
    out.push_back(std::move(d));
  }
  return out;
}

json LeafRow(const DecodedLeaf& d) {
  json fields = json::object();
  for (const auto& f : d.op.fields) fields[f.field] = ValueJson(f.value);
  const AuditLeaf& l = d.leaf;
  return json{{"index", l.index},
              {"server_time_ms", l.server_time_ms},
              {"device", l.device_id},
              {"role", l.role},
              {"author", l.author},
              {"entity", d.op.entity},
              {"row", d.op.row_id},
              {"fields", fields},
              {"outcome", l.outcome},
              {"reason", l.reason},
              {"rule", l.rule},
              {"batch", l.batch_id},
              {"peer", l.peer},
              {"device_seq", l.device_seq},
              {"device_hlc", l.device_hlc},
              {"clamped_from_hlc", l.clamped_from_hlc}};
}

json SideJson(const FieldState& s) {
  return json{{"value", ValueJson(s.value)},
              {"author", s.author},
              {"device", s.stamp.device_id},
              {"hlc", s.stamp.hlc.raw}};
}

json ConflictJson(const ConflictRecord& c) {
  return json{{"id", c.id},
              {"server_seq", c.server_seq},
              {"entity", c.entity},
              {"row", c.row_id},
              {"field", c.field},
              {"winner", SideJson(c.winner)},
              {"loser", SideJson(c.loser)},
              {"rule", c.rule}};
}

Result<protocol::AuditResponse> LogQuery(SchoolTxn& txn, const protocol::AuditQuery& q,
                                         bool rejected_only) {
  auto leaves = ReadAllLeaves(txn);
  if (!leaves.ok()) return leaves.status();
  json rows = json::array();
  for (const auto& d : *leaves) {
    if (static_cast<int64_t>(d.leaf.server_time_ms) < q.since_ms) continue;
    if (rejected_only && d.leaf.outcome != "rejected") continue;
    rows.push_back(LeafRow(d));
  }
  protocol::AuditResponse r;
  r.json = Dump(rows);
  return r;
}

// The problem row ids `arg` names: by number if it is one, else as a row id.
Result<std::set<std::string>> ProblemRows(SchoolTxn& txn, const std::string& arg) {
  std::set<std::string> ids;
  const bool numeric =
      !arg.empty() && arg.size() < 18 && arg.find_first_not_of("0123456789") == std::string::npos;
  if (numeric) {
    auto rows = txn.FindRows(std::string(entity::kProblem), "number", Value{std::stoll(arg)});
    if (!rows.ok()) return rows.status();
    ids.insert(rows->begin(), rows->end());
  }
  if (ids.empty() && !arg.empty()) ids.insert(arg);
  return ids;
}

// A leaf touches a problem if it writes the problem row itself or a child
// row (measure, note, evidence) whose problem_id points at it.
Result<bool> TouchesProblem(SchoolTxn& txn, const Op& op, const std::set<std::string>& ids) {
  if (op.entity == entity::kProblem) return ids.count(op.row_id) > 0;
  const EntityDef* def = FindEntity(op.entity);
  if (def == nullptr || def->Find("problem_id") == nullptr) return false;
  if (const FieldChange* f = op.Find("problem_id")) return ids.count(ValueToString(f->value)) > 0;
  auto row = txn.ReadRow(op.entity, op.row_id);
  if (!row.ok()) return row.status();
  auto it = row->find("problem_id");
  return it != row->end() && ids.count(ValueToString(it->second.value)) > 0;
}

Result<protocol::AuditResponse> HistoryQuery(SchoolTxn& txn, const protocol::AuditQuery& q) {
  if (q.arg.empty()) return Status::InvalidArgument("history needs a problem number or row id");
  auto ids = ProblemRows(txn, q.arg);
  if (!ids.ok()) return ids.status();
  auto leaves = ReadAllLeaves(txn);
  if (!leaves.ok()) return leaves.status();
  json rows = json::array();
  for (const auto& d : *leaves) {
    auto touches = TouchesProblem(txn, d.op, *ids);
    if (!touches.ok()) return touches.status();
    if (*touches) rows.push_back(LeafRow(d));
  }
  json conflicts = json::array();
  for (const auto& id : *ids) {
    auto cs = txn.ConflictsForRow(std::string(entity::kProblem), id);
    if (!cs.ok()) return cs.status();
    for (const auto& c : *cs) conflicts.push_back(ConflictJson(c));
  }
  protocol::AuditResponse r;
  r.json = Dump(json{{"row_ids", *ids}, {"leaves", rows}, {"conflicts", conflicts}});
  return r;
}

Result<protocol::AuditResponse> AsOfQuery(SchoolTxn& txn, const protocol::AuditQuery& q,
                                          const AuditQueryContext& ctx) {
  auto cutoff = EndOfDayMillis(q.arg, ctx.utc_offset_minutes);
  if (!cutoff.ok()) return cutoff.status();
  auto ops = txn.OpsAfter(0, kAllOps);
  if (!ops.ok()) return ops.status();
  // Replaying through the one merge rule gives the state every replica had
  // once it held exactly the ops the server had received by then.
  std::map<std::pair<std::string, std::string>, RowState> rows;
  for (const auto& s : *ops) {
    if (s.received_ms >= *cutoff) continue;
    MergeOp(rows[{s.op.entity, s.op.row_id}], s.op);
  }
  json out_rows = json::array();
  std::map<std::string, int64_t> counts;
  for (auto status :
       {ProblemStatus::kNotStarted, ProblemStatus::kInProgress, ProblemStatus::kCompleted,
        ProblemStatus::kLongTerm, ProblemStatus::kVerified})
    counts[std::string(StatusCode(status))] = 0;
  int64_t problems = 0;
  for (const auto& [key, row] : rows) {
    json fields = json::object();
    for (const auto& [name, fs] : row) fields[name] = ValueJson(fs.value);
    out_rows.push_back(json{{"entity", key.first}, {"row", key.second}, {"fields", fields}});
    if (key.first != entity::kProblem) continue;
    auto del = row.find(std::string(kDeletedField));
    if (del != row.end() && del->second.value == Value{int64_t{1}}) continue;
    auto st = row.find("status");
    ProblemStatus status = ProblemStatus::kNotStarted;
    if (st != row.end())
      status = ParseStatus(ValueToString(st->second.value)).value_or(ProblemStatus::kNotStarted);
    ++counts[std::string(StatusCode(status))];
    ++problems;
  }
  protocol::AuditResponse r;
  r.json = Dump(json{{"date", q.arg},
                     {"cutoff_ms", *cutoff},
                     {"rows", out_rows},
                     {"problems", problems},
                     {"problem_status_counts", counts}});
  return r;
}

Result<protocol::AuditResponse> ConflictsQuery(SchoolTxn& txn) {
  auto cs = txn.ConflictsInRange(0, static_cast<uint64_t>(INT64_MAX));
  if (!cs.ok()) return cs.status();
  json rows = json::array();
  for (const auto& c : *cs) rows.push_back(ConflictJson(c));
  protocol::AuditResponse r;
  r.json = Dump(rows);
  return r;
}

Result<protocol::AuditResponse> ExportQuery(SchoolTxn& txn, const AuditQueryContext& ctx) {
  auto cp = txn.LatestCheckpoint();
  if (!cp.ok()) return cp.status();
  const uint64_t size = cp->has_value() ? (*cp)->size : 0;
  // Only the signed prefix: the export must verify against its checkpoint.
  auto leaves = txn.ReadLeaves(0, size);
  if (!leaves.ok()) return leaves.status();
  protocol::AuditResponse r;
  r.leaves = std::move(*leaves);
  r.checkpoint = cp->has_value() ? (*cp)->note : "";
  r.public_key = ctx.verifier_key;
  r.json = Dump(json{{"school", txn.school_id()}, {"size", size}});
  return r;
}

}  // namespace

Result<int64_t> EndOfDayMillis(const std::string& date, int64_t utc_offset_minutes) {
  const auto day = DayNumber(date);
  if (!day) return Status::InvalidArgument("as_of needs a real date YYYY-MM-DD, got '" + date + "'");
  const int64_t next_day_utc = (static_cast<int64_t>(*day) + 1) * 86400 * 1000;
  return next_day_utc - utc_offset_minutes * 60 * 1000;
}

Result<protocol::AuditResponse> RunAuditQuery(SchoolTxn& txn, const protocol::AuditQuery& q,
                                              const AuditQueryContext& ctx) {
  try {
    if (q.kind == "log") return LogQuery(txn, q, false);
    if (q.kind == "rejected") return LogQuery(txn, q, true);
    if (q.kind == "history") return HistoryQuery(txn, q);
    if (q.kind == "as_of") return AsOfQuery(txn, q, ctx);
    if (q.kind == "conflicts") return ConflictsQuery(txn);
    if (q.kind == "export") return ExportQuery(txn, ctx);
  } catch (const std::exception& e) {
    // nlohmann::json reports misuse by exceptions; keep them inside.
    return Status::Internal(std::string("audit query failed: ") + e.what());
  }
  return Status::InvalidArgument("unknown audit query kind '" + q.kind + "'");
}

}  // namespace rectify
