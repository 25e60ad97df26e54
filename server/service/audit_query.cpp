#include "server/service/audit_query.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "shared/audit_leaf.h"
#include "shared/domain.h"
#include "shared/limits.h"
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

Result<DecodedLeaf> Decode(const std::string& bytes, uint64_t index) {
  auto leaf = DecodeAuditLeaf(bytes);
  if (!leaf.ok()) return leaf.status().Annotate("leaf " + std::to_string(index));
  DecodedLeaf d{std::move(*leaf), {}};
  if (!DecodeOp(d.leaf.op_bytes, &d.op))
    return Status::Corruption("leaf " + std::to_string(d.leaf.index) + ": op does not decode");
  return d;
}

// Leaves [from, upto) in chunks, so memory stays bounded at any log size;
// `fn` returns false to stop. Returns the index where it stopped.
constexpr uint64_t kLeafChunk = 256;
template <class Fn>
Result<uint64_t> ForEachLeaf(SchoolTxn& txn, uint64_t from, uint64_t upto, Fn fn) {
  for (uint64_t i = from; i < upto;) {
    auto raw = txn.ReadLeaves(i, std::min(kLeafChunk, upto - i));
    if (!raw.ok()) return raw.status();
    if (raw->empty()) break;
    for (const auto& bytes : *raw) {
      auto keep_going = fn(i, bytes);
      if (!keep_going.ok()) return keep_going.status();
      if (!*keep_going) return i;
      ++i;
    }
  }
  return upto;
}

// The items of one answer, as JSON text, up to a byte budget; always at
// least one (an item is bounded by kMaxOpBytes, docs/protocol.md "Limits").
class Page {
 public:
  explicit Page(size_t budget) : budget_(budget) {}
  // False, adding nothing, when `item` would overflow a page that has one.
  bool Add(const json& item) {
    std::string text = Dump(item);
    if (count_ > 0 && text_.size() + text.size() + 1 > budget_) return false;
    if (count_++ > 0) text_ += ',';
    text_ += text;
    return true;
  }
  std::string Array() const { return "[" + text_ + "]"; }
  json ArrayJson() const { return json::parse(Array()); }

 private:
  size_t budget_;
  size_t count_ = 0;
  std::string text_;
};

size_t Budget(const protocol::AuditQuery& q, const AuditQueryContext& ctx) {
  return q.max_bytes > 0 ? std::min<size_t>(q.max_bytes, ctx.byte_budget) : ctx.byte_budget;
}

// Pages over `items` (the whole result, computed again for every page) from
// q.from; sets r->next and r->more.
json PageOf(const json& items, const protocol::AuditQuery& q, size_t budget,
            protocol::AuditResponse* r) {
  Page page(budget);
  uint64_t i = q.from;
  for (; i < items.size(); ++i)
    if (!page.Add(items[i])) break;
  r->next = i;
  r->more = i < items.size();
  return page.ArrayJson();
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

// `device_name`: the certificate the ledger's device id is bound to (the name
// given at enrolment), "" if none yet; so a reader sees names, not ledger ids.
json SideJson(SchoolTxn& txn, const FieldState& s) {
  auto bound = txn.BoundCertificate(s.stamp.device_id);
  return json{{"value", ValueJson(s.value)},
              {"author", s.author},
              {"device", s.stamp.device_id},
              {"device_name", bound.ok() && bound->has_value() ? **bound : ""},
              {"hlc", s.stamp.hlc.raw}};
}

json ConflictJson(SchoolTxn& txn, const ConflictRecord& c) {
  return json{{"id", c.id},
              {"server_seq", c.server_seq},
              {"entity", c.entity},
              {"row", c.row_id},
              {"field", c.field},
              {"winner", SideJson(txn, c.winner)},
              {"loser", SideJson(txn, c.loser)},
              {"rule", c.rule}};
}

// One page of leaf rows from q.from: each leaf `keep` accepts, as a row, up
// to the budget. Sets r->next and r->more; returns the rows.
template <class Keep>
Result<Page> LeafRowsPage(SchoolTxn& txn, const protocol::AuditQuery& q, size_t budget, Keep keep,
                          protocol::AuditResponse* r) {
  auto count = txn.LeafCount();
  if (!count.ok()) return count.status();
  Page page(budget);
  auto stopped =
      ForEachLeaf(txn, q.from, *count, [&](uint64_t i, const std::string& bytes) -> Result<bool> {
        auto d = Decode(bytes, i);
        if (!d.ok()) return d.status();
        auto kept = keep(*d);
        if (!kept.ok()) return kept.status();
        return !*kept || page.Add(LeafRow(*d));
      });
  if (!stopped.ok()) return stopped.status();
  r->next = *stopped;
  r->more = *stopped < *count;
  return page;
}

Result<protocol::AuditResponse> LogQuery(SchoolTxn& txn, const protocol::AuditQuery& q,
                                         bool rejected_only, size_t budget) {
  protocol::AuditResponse r;
  auto page = LeafRowsPage(
      txn, q, budget,
      [&](const DecodedLeaf& d) -> Result<bool> {
        return static_cast<int64_t>(d.leaf.server_time_ms) >= q.since_ms &&
               (!rejected_only || d.leaf.outcome == "rejected");
      },
      &r);
  if (!page.ok()) return page.status();
  r.json = page->Array();
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

Result<protocol::AuditResponse> HistoryQuery(SchoolTxn& txn, const protocol::AuditQuery& q,
                                             size_t budget) {
  if (q.arg.empty()) return Status::InvalidArgument("history needs a problem number or row id");
  auto ids = ProblemRows(txn, q.arg);
  if (!ids.ok()) return ids.status();
  protocol::AuditResponse r;
  auto page = LeafRowsPage(
      txn, q, budget, [&](const DecodedLeaf& d) { return TouchesProblem(txn, d.op, *ids); }, &r);
  if (!page.ok()) return page.status();
  // The conflicts come with the first page; later pages add leaves only.
  json conflicts = json::array();
  for (const auto& id : q.from == 0 ? *ids : std::set<std::string>{}) {
    auto cs = txn.ConflictsForRow(std::string(entity::kProblem), id);
    if (!cs.ok()) return cs.status();
    for (const auto& c : *cs) conflicts.push_back(ConflictJson(txn, c));
  }
  r.json = Dump(json{{"row_ids", *ids}, {"leaves", page->ArrayJson()}, {"conflicts", conflicts}});
  return r;
}

Result<protocol::AuditResponse> AsOfQuery(SchoolTxn& txn, const protocol::AuditQuery& q,
                                          const AuditQueryContext& ctx, size_t budget) {
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
  const json page = PageOf(out_rows, q, budget, &r);
  r.json = Dump(json{{"date", q.arg},
                     {"cutoff_ms", *cutoff},
                     {"rows", page},
                     {"problems", problems},
                     {"problem_status_counts", counts}});
  return r;
}

Result<protocol::AuditResponse> ConflictsQuery(SchoolTxn& txn, const protocol::AuditQuery& q,
                                               size_t budget) {
  auto cs = txn.ConflictsInRange(0, static_cast<uint64_t>(INT64_MAX));
  if (!cs.ok()) return cs.status();
  json rows = json::array();
  for (const auto& c : *cs) rows.push_back(ConflictJson(txn, c));
  protocol::AuditResponse r;
  r.json = Dump(PageOf(rows, q, budget, &r));
  return r;
}

// The first page fixes the head the export commits to (the latest signed
// checkpoint); later pages name its size in q.upto, so leaves appended
// meanwhile never mix in. Only the signed prefix: the export must verify.
Result<protocol::AuditResponse> ExportQuery(SchoolTxn& txn, const protocol::AuditQuery& q,
                                            const AuditQueryContext& ctx, size_t budget) {
  protocol::AuditResponse r;
  uint64_t size = q.upto;
  if (q.from == 0) {
    auto cp = txn.LatestCheckpoint();
    if (!cp.ok()) return cp.status();
    size = cp->has_value() ? (*cp)->size : 0;
    r.checkpoint = cp->has_value() ? (*cp)->note : "";
  } else {
    auto count = txn.LeafCount();
    if (!count.ok()) return count.status();
    if (q.upto > *count || q.from > q.upto)
      return Status::InvalidArgument("export page " + std::to_string(q.from) + " of " +
                                     std::to_string(q.upto) + " leaves: the log has only " +
                                     std::to_string(*count));
  }
  size_t bytes = 0;
  auto stopped =
      ForEachLeaf(txn, q.from, size, [&](uint64_t, const std::string& leaf) -> Result<bool> {
        if (!r.leaves.empty() && bytes + leaf.size() > budget) return false;
        bytes += leaf.size();
        r.leaves.push_back(leaf);
        return true;
      });
  if (!stopped.ok()) return stopped.status();
  r.public_key = ctx.verifier_key;
  r.json = Dump(json{{"school", txn.school_id()}, {"size", size}});
  r.next = *stopped;
  r.more = *stopped < size;
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
  const size_t budget = Budget(q, ctx);
  try {
    if (q.kind == "log") return LogQuery(txn, q, false, budget);
    if (q.kind == "rejected") return LogQuery(txn, q, true, budget);
    if (q.kind == "history") return HistoryQuery(txn, q, budget);
    if (q.kind == "as_of") return AsOfQuery(txn, q, ctx, budget);
    if (q.kind == "conflicts") return ConflictsQuery(txn, q, budget);
    if (q.kind == "export") return ExportQuery(txn, q, ctx, budget);
  } catch (const std::exception& e) {
    // nlohmann::json reports misuse by exceptions; keep them inside.
    return Status::Internal(std::string("audit query failed: ") + e.what());
  }
  return Status::InvalidArgument("unknown audit query kind '" + q.kind + "'");
}

}  // namespace rectify
