// Read side of Ledger: problems, listings and the notice snapshot.
#include <algorithm>

#include "client/ledger/ledger.h"
#include "client/ledger/ledger_internal.h"

namespace rectify {

using namespace ledger_internal;

namespace {

using Row = std::map<std::string, Value>;

std::string Text(const Row& row, const char* field) { return ValueToString(row.at(field)); }

int64_t Int(const Row& row, const char* field, int64_t fallback = 0) {
  const Value& v = row.at(field);
  return std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v) : fallback;
}

// Ids of live rows of `entity` whose `parent_field` is `parent_id`, in
// `order_by` order (an ORDER BY clause over the entity's own columns).
std::vector<std::string> ChildIds(Database& db, std::string_view entity,
                                  const std::string& parent_field, const std::string& parent_id,
                                  const std::string& order_by) {
  auto ids = QueryTexts(db,
                        "SELECT id FROM " + Quote(entity) + " WHERE " + Quote(parent_field) +
                            " = ?1 AND deleted = 0 ORDER BY " + order_by,
                        {parent_id});
  return ids.ok() ? *ids : std::vector<std::string>{};
}

}  // namespace

Result<ProblemInfo> Ledger::GetProblem(const std::string& ref) {
  auto id = ResolveProblem(ref);
  if (!id.ok()) return id.status();
  auto row = GetRow(entity::kProblem, *id);
  if (!row) return Status::NotFound("no problem '" + ref + "'");
  ProblemInfo p;
  p.id = *id;
  p.number = static_cast<int>(Int(*row, "number"));
  p.aspect_id = Text(*row, "aspect_id");
  p.category_id = Text(*row, "category_id");
  p.title = Text(*row, "title");
  p.detail = Text(*row, "detail");
  p.kind = ParseKind(Text(*row, "kind")).value_or(ProblemKind::kWithinPeriod);
  p.status = ParseStatus(Text(*row, "status")).value_or(ProblemStatus::kNotStarted);
  p.deadline = Text(*row, "deadline");
  p.department = Text(*row, "department");
  p.person = Text(*row, "person");
  p.result = Text(*row, "result");
  p.internal = Int(*row, "internal") != 0;
  for (const auto& mid : ChildIds(*db_, entity::kMeasure, "problem_id", *id, "ordinal, id")) {
    auto m = GetRow(entity::kMeasure, mid);
    if (!m) continue;
    p.measures.push_back(MeasureInfo{mid, static_cast<int>(Int(*m, "ordinal")), Text(*m, "text"),
                                     Text(*m, "owner"), Text(*m, "deadline"),
                                     Text(*m, "done_date")});
  }
  return p;
}

std::vector<ProblemInfo> Ledger::ListProblems(const ProblemFilter& filter) {
  std::vector<ProblemInfo> out;
  auto inspection = CurrentInspectionId();
  if (!inspection.ok()) return out;
  for (const auto& id :
       ChildIds(*db_, entity::kProblem, "inspection_id", *inspection, "number, id")) {
    auto p = GetProblem(id);
    if (!p.ok()) continue;
    if (filter.status && p->status != *filter.status) continue;
    if (!filter.department.empty() && p->department != filter.department) continue;
    if (!filter.category_title.empty()) {
      auto cat = GetRow(entity::kCategory, p->category_id);
      if (!cat || Text(*cat, "title") != filter.category_title) continue;
    }
    if (!filter.overdue_as_of.empty()) {
      const bool done = p->status == ProblemStatus::kCompleted ||
                        p->status == ProblemStatus::kLongTerm ||
                        p->status == ProblemStatus::kVerified;
      // Dates compare correctly as YYYY-MM-DD text; 长期 and empty never expire.
      if (done || !IsValidDate(p->deadline) || !(p->deadline < filter.overdue_as_of)) continue;
    }
    out.push_back(std::move(p).value());
  }
  return out;
}

Result<LedgerSnapshot> Ledger::Snapshot() {
  LedgerSnapshot snap;
  if (!school_id_.empty()) {
    if (auto s = GetRow(entity::kSchool, school_id_)) {
      snap.school = SchoolInfo{school_id_,        Text(*s, "name"),   Text(*s, "org_name"),
                               Text(*s, "phone"), Text(*s, "postal"), Text(*s, "email")};
      snap.rule = CompletionRule::Parse(Text(*s, "completion_rule")).value_or(CompletionRule{});
      snap.warn_days = static_cast<int>(Int(*s, "warn_days", 10));
    } else {
      snap.school.id = school_id_;
    }
  }
  auto inspection = CurrentInspectionId();
  if (!inspection.ok()) {
    if (inspection.status().code() == Status::Code::kNotFound) return snap;
    return inspection.status();
  }
  if (auto i = GetRow(entity::kInspection, *inspection)) {
    snap.inspection = InspectionInfo{*inspection,
                                     Text(*i, "group_name"),
                                     Text(*i, "kind"),
                                     Text(*i, "onsite_from"),
                                     Text(*i, "onsite_to"),
                                     Text(*i, "feedback_date"),
                                     Text(*i, "plan_date"),
                                     Text(*i, "phase"),
                                     Text(*i, "notice_date")};
  }
  for (const auto& aid :
       ChildIds(*db_, entity::kAspect, "inspection_id", *inspection, "ordinal, id")) {
    auto a = GetRow(entity::kAspect, aid);
    if (!a) continue;
    AspectInfo aspect{aid, static_cast<int>(Int(*a, "ordinal")), Text(*a, "title"), {}};
    for (const auto& cid : ChildIds(*db_, entity::kCategory, "aspect_id", aid, "ordinal, id")) {
      auto c = GetRow(entity::kCategory, cid);
      if (c)
        aspect.categories.push_back({cid, static_cast<int>(Int(*c, "ordinal")), Text(*c, "title")});
    }
    snap.aspects.push_back(std::move(aspect));
  }
  snap.problems = ListProblems(ProblemFilter{});
  // Accountability rows have no ordinal: list them in the order they were
  // first written, which is the order the clerk entered them.
  for (const auto& id : ChildIds(*db_, entity::kAccountability, "inspection_id", *inspection,
                                 "(SELECT MIN(hlc) FROM field_stamp WHERE entity = "
                                 "'accountability' AND row_id = accountability.id), id")) {
    auto r = GetRow(entity::kAccountability, id);
    if (!r) continue;
    snap.accountability.push_back(AccountabilityInfo{Text(*r, "kind"), Text(*r, "label"),
                                                     Int(*r, "count"), Int(*r, "amount_fen"),
                                                     Text(*r, "note")});
  }
  for (const auto& id :
       ChildIds(*db_, entity::kNextStep, "inspection_id", *inspection, "ordinal, id")) {
    auto r = GetRow(entity::kNextStep, id);
    if (!r) continue;
    snap.next_steps.push_back(
        NextStepInfo{static_cast<int>(Int(*r, "ordinal")), Text(*r, "title"), Text(*r, "text")});
  }
  return snap;
}

}  // namespace rectify
