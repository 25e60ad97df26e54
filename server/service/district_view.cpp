#include "server/service/district_view.h"

#include <algorithm>

#include "server/service/audit_log.h"
#include "server/service/audit_query.h"
#include "shared/audit_export_verify.h"
#include "shared/audit_leaf.h"
#include "shared/checkpoint.h"
#include "shared/schema.h"

namespace rectify {

namespace {

using Rows = std::vector<std::pair<std::string, RowState>>;

std::string Text(const RowState& row, const char* field) {
  auto it = row.find(field);
  return it == row.end() ? std::string() : ValueToString(it->second.value);
}

int64_t Int(const RowState& row, const char* field, int64_t fallback = 0) {
  auto it = row.find(field);
  if (it == row.end()) return fallback;
  const auto* i = std::get_if<int64_t>(&it->second.value);
  return i ? *i : fallback;
}

bool Live(const RowState& row) { return Int(row, "deleted") == 0; }

Result<Rows> LiveRows(SchoolTxn& txn, std::string_view entity) {
  auto rows = txn.ReadEntity(std::string(entity));
  if (!rows.ok()) return rows.status();
  Rows out;
  for (auto& r : *rows)
    if (Live(r.second)) out.push_back(std::move(r));
  return out;
}

// Children of `parent_id` ordered by (ordinal, id), as the ledger lists them.
std::vector<const std::pair<std::string, RowState>*> Children(const Rows& rows,
                                                              const char* parent_field,
                                                              const std::string& parent_id) {
  std::vector<const std::pair<std::string, RowState>*> out;
  for (const auto& r : rows)
    if (Text(r.second, parent_field) == parent_id) out.push_back(&r);
  std::stable_sort(out.begin(), out.end(), [](auto* a, auto* b) {
    return std::pair(Int(a->second, "ordinal"), a->first) <
           std::pair(Int(b->second, "ordinal"), b->first);
  });
  return out;
}

ProblemInfo ToProblem(const std::string& id, const RowState& row, const Rows& measures) {
  ProblemInfo p;
  p.id = id;
  p.number = static_cast<int>(Int(row, "number"));
  p.aspect_id = Text(row, "aspect_id");
  p.category_id = Text(row, "category_id");
  p.title = Text(row, "title");
  p.detail = Text(row, "detail");
  p.kind = ParseKind(Text(row, "kind")).value_or(ProblemKind::kWithinPeriod);
  p.status = ParseStatus(Text(row, "status")).value_or(ProblemStatus::kNotStarted);
  p.deadline = Text(row, "deadline");
  p.department = Text(row, "department");
  p.person = Text(row, "person");
  p.result = Text(row, "result");
  for (const auto* m : Children(measures, "problem_id", id))
    p.measures.push_back(MeasureInfo{m->first, static_cast<int>(Int(m->second, "ordinal")),
                                     Text(m->second, "text"), Text(m->second, "owner"),
                                     Text(m->second, "deadline"), Text(m->second, "done_date")});
  return p;
}

// The current inspection: the live one with the highest (ordinal, id), as
// the school's ledger picks it (client/ledger CurrentInspectionId).
std::string CurrentInspection(const Rows& inspections) {
  const std::pair<std::string, RowState>* best = nullptr;
  for (const auto& r : inspections)
    if (!best || std::pair(Int(r.second, "ordinal"), r.first) >
                     std::pair(Int(best->second, "ordinal"), best->first))
      best = &r;
  return best ? best->first : std::string();
}

Result<LedgerSnapshot> BuildSnapshot(SchoolTxn& txn, Rows* measures_out = nullptr) {
  LedgerSnapshot snap;
  snap.school.id = txn.school_id();
  auto school = txn.ReadRow(std::string(entity::kSchool), txn.school_id());
  if (!school.ok()) return school.status();
  if (!school->empty()) {
    snap.school.name = Text(*school, "name");
    snap.school.org_name = Text(*school, "org_name");
    snap.school.phone = Text(*school, "phone");
    snap.school.postal = Text(*school, "postal");
    snap.school.email = Text(*school, "email");
    snap.rule = CompletionRule::Parse(Text(*school, "completion_rule")).value_or(CompletionRule{});
    snap.warn_days = static_cast<int>(Int(*school, "warn_days", 10));
  }
  auto inspections = LiveRows(txn, entity::kInspection);
  if (!inspections.ok()) return inspections.status();
  const std::string current = CurrentInspection(*inspections);
  if (current.empty()) return snap;
  for (const auto& [id, row] : *inspections)
    if (id == current)
      snap.inspection = InspectionInfo{id,
                                       Text(row, "group_name"),
                                       Text(row, "kind"),
                                       Text(row, "onsite_from"),
                                       Text(row, "onsite_to"),
                                       Text(row, "feedback_date"),
                                       Text(row, "plan_date"),
                                       Text(row, "phase"),
                                       Text(row, "notice_date")};
  auto aspects = LiveRows(txn, entity::kAspect);
  auto categories = LiveRows(txn, entity::kCategory);
  auto problems = LiveRows(txn, entity::kProblem);
  auto measures = LiveRows(txn, entity::kMeasure);
  for (const auto* r : {&aspects, &categories, &problems, &measures})
    if (!r->ok()) return r->status();
  for (const auto* a : Children(*aspects, "inspection_id", current)) {
    AspectInfo aspect{a->first, static_cast<int>(Int(a->second, "ordinal")),
                      Text(a->second, "title"), {}};
    for (const auto* c : Children(*categories, "aspect_id", a->first))
      aspect.categories.push_back(
          {c->first, static_cast<int>(Int(c->second, "ordinal")), Text(c->second, "title")});
    snap.aspects.push_back(std::move(aspect));
  }
  for (const auto& [id, row] : *problems)
    if (Text(row, "inspection_id") == current)
      snap.problems.push_back(ToProblem(id, row, *measures));
  std::stable_sort(snap.problems.begin(), snap.problems.end(),
                   [](const ProblemInfo& a, const ProblemInfo& b) {
                     return std::pair(a.number, a.id) < std::pair(b.number, b.id);
                   });
  if (measures_out) *measures_out = std::move(*measures);
  return snap;
}

std::map<std::string, std::string> RowTexts(const RowState& row) {
  std::map<std::string, std::string> out;
  for (const auto& [field, state] : row) out[field] = ValueToString(state.value);
  return out;
}

}  // namespace

DistrictView::DistrictView(Store& store, VerifyingKey log_key, std::string log_name)
    : store_(store), log_key_(std::move(log_key)), log_name_(std::move(log_name)) {}

Result<std::vector<std::string>> DistrictView::Schools() { return store_.ListSchools(); }

Result<LedgerSnapshot> DistrictView::Ledger(const std::string& school_id) {
  auto txn = store_.BeginRead(school_id);
  if (!txn.ok()) return txn.status();
  return BuildSnapshot(**txn);
}

Result<SchoolSummary> DistrictView::Summary(const std::string& school_id,
                                            const std::string& today) {
  auto txn = store_.BeginRead(school_id);
  if (!txn.ok()) return txn.status();
  auto size = (*txn)->LeafCount();
  if (!size.ok()) return size.status();
  {
    std::lock_guard lock(mu_);
    auto hit = summaries_.find(school_id);
    if (hit != summaries_.end() && hit->second.log_size == *size && hit->second.today == today) {
      SchoolSummary s = hit->second.summary;
      auto v = verified_.find(school_id);
      s.verification = v != verified_.end() && v->second.first == *size ? v->second.second
                                                                          : "unchecked";
      return s;
    }
  }
  auto snap = BuildSnapshot(**txn);
  if (!snap.ok()) return snap.status();
  SchoolSummary s;
  s.id = school_id;
  s.name = snap->school.name;
  s.stats = ComputeStats(*snap);
  for (const auto& d : ComputeDue(*snap, today)) {
    if (d.color == DueColor::kRed) ++s.red;
    if (d.color == DueColor::kYellow) ++s.yellow;
  }
  s.log_size = *size;
  if (*size > 0) {
    auto last = (*txn)->ReadLeaves(*size - 1, 1);
    if (!last.ok()) return last.status();
    if (!last->empty())
      if (auto leaf = DecodeAuditLeaf(last->front()); leaf.ok())
        s.last_sync_ms = static_cast<int64_t>(leaf->server_time_ms);
  }
  auto cp = (*txn)->LatestCheckpoint();
  if (!cp.ok()) return cp.status();
  if (*cp) s.checkpoint_size = (*cp)->size;
  std::lock_guard lock(mu_);
  summaries_[school_id] = CachedSummary{*size, today, s};
  auto it = verified_.find(school_id);
  s.verification = it != verified_.end() && it->second.first == *size ? it->second.second
                                                                       : "unchecked";
  return s;
}

Result<ProblemDetail> DistrictView::Problem(const std::string& school_id, int number) {
  auto txn = store_.BeginRead(school_id);
  if (!txn.ok()) return txn.status();
  auto snap = BuildSnapshot(**txn);
  if (!snap.ok()) return snap.status();
  for (const auto& p : snap->problems) {
    if (p.number != number) continue;
    ProblemDetail d;
    d.info = p;
    auto row = (*txn)->ReadRow(std::string(entity::kProblem), p.id);
    if (!row.ok()) return row.status();
    d.status_reason = Text(*row, "status_reason");
    for (const auto& a : snap->aspects) {
      if (a.id == p.aspect_id) d.aspect_title = a.title;
      for (const auto& c : a.categories)
        if (c.id == p.category_id) d.category_title = c.title;
    }
    auto notes = LiveRows(**txn, entity::kProgressNote);
    auto evidence = LiveRows(**txn, entity::kEvidence);
    if (!notes.ok()) return notes.status();
    if (!evidence.ok()) return evidence.status();
    for (const auto& [id, r] : *notes)
      if (Text(r, "problem_id") == p.id) d.notes.push_back(RowTexts(r));
    std::sort(d.notes.begin(), d.notes.end(),
              [](const auto& a, const auto& b) { return a.at("date") < b.at("date"); });
    for (const auto& [id, r] : *evidence)
      if (Text(r, "problem_id") == p.id) d.evidence.push_back(RowTexts(r));
    return d;
  }
  return Status::NotFound("school " + school_id + " has no problem " + std::to_string(number));
}

Result<std::string> DistrictView::Verify(const std::string& school_id) {
  uint64_t size = 0;
  {
    auto txn = store_.BeginRead(school_id);
    if (!txn.ok()) return txn.status();
    auto n = (*txn)->LeafCount();
    if (!n.ok()) return n.status();
    size = *n;
  }
  Status st = VerifySchoolLog(store_, school_id, log_key_, log_name_);
  std::string result = st.ok() ? "ok" : "failed: " + st.message();
  std::lock_guard lock(mu_);
  verified_[school_id] = {size, result};
  return result;
}

Result<nlohmann::json> DistrictView::AuditQuery(const std::string& school_id,
                                                const std::string& kind, const std::string& arg) {
  auto txn = store_.BeginRead(school_id);
  if (!txn.ok()) return txn.status();
  protocol::AuditQuery q;
  q.kind = kind;
  q.school_id = school_id;
  q.arg = arg;
  AuditQueryContext ctx;
  ctx.verifier_key = VerifierKeyString(log_name_, log_key_.Raw());
  auto r = RunAuditQuery(**txn, q, ctx);
  if (!r.ok()) return r.status();
  auto j = nlohmann::json::parse(r->json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Internal("audit query answered malformed JSON");
  return j;
}

Result<std::optional<StoredCheckpoint>> DistrictView::Checkpoint(const std::string& school_id) {
  auto txn = store_.BeginRead(school_id);
  if (!txn.ok()) return txn.status();
  return (*txn)->LatestCheckpoint();
}

Result<std::string> DistrictView::ExportText(const std::string& school_id) {
  auto txn = store_.BeginRead(school_id);
  if (!txn.ok()) return txn.status();
  auto cp = (*txn)->LatestCheckpoint();
  if (!cp.ok()) return cp.status();
  auto leaves = (*txn)->ReadLeaves(0, *cp ? (**cp).size : 0);
  if (!leaves.ok()) return leaves.status();
  return JoinLeavesJsonl(*leaves);
}

}  // namespace rectify
