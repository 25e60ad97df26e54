// Read side of Ledger: problems, listings and the notice snapshot.
#include <algorithm>

#include "client/ledger/ledger.h"
#include "client/ledger/ledger_internal.h"

namespace rectify {

using namespace ledger_internal;

std::vector<std::string> ledger_internal::ChildIds(Database& db, std::string_view entity,
                                  const std::string& parent_field, const std::string& parent_id,
                                  const std::string& order_by) {
  auto ids = QueryTexts(db,
                        "SELECT id FROM " + Quote(entity) + " WHERE " + Quote(parent_field) +
                            " = ?1 AND deleted = 0 ORDER BY " + order_by,
                        {parent_id});
  return ids.ok() ? *ids : std::vector<std::string>{};
}

Result<ProblemInfo> Ledger::GetProblem(const std::string& ref) {
  auto id = ResolveProblem(ref);
  if (!id.ok()) return id.status();
  auto row = GetRow(entity::kProblem, *id);
  if (!row) return Status::NotFound("no problem '" + ref + "'");
  ProblemInfo p;
  p.id = *id;
  p.number = static_cast<int>(RowInt(*row, "number"));
  p.aspect_id = RowText(*row, "aspect_id");
  p.category_id = RowText(*row, "category_id");
  p.title = RowText(*row, "title");
  p.detail = RowText(*row, "detail");
  p.kind = ParseKind(RowText(*row, "kind")).value_or(ProblemKind::kWithinPeriod);
  p.status = ParseStatus(RowText(*row, "status")).value_or(ProblemStatus::kNotStarted);
  p.deadline = RowText(*row, "deadline");
  p.department = RowText(*row, "department");
  p.person = RowText(*row, "person");
  p.result = RowText(*row, "result");
  p.internal = RowInt(*row, "internal") != 0;
  for (const auto& mid : ChildIds(*db_, entity::kMeasure, "problem_id", *id, "ordinal, id")) {
    auto m = GetRow(entity::kMeasure, mid);
    if (!m) continue;
    p.measures.push_back(MeasureInfo{mid, static_cast<int>(RowInt(*m, "ordinal")), RowText(*m, "text"),
                                     RowText(*m, "owner"), RowText(*m, "deadline"),
                                     RowText(*m, "done_date")});
  }
  // Notes by date; notes of one day in the order they were first written.
  for (const auto& nid : ChildIds(*db_, entity::kProgressNote, "problem_id", *id,
                                  "date, (SELECT MIN(hlc) FROM field_stamp WHERE entity = "
                                  "'progress_note' AND row_id = progress_note.id), id")) {
    auto n = GetRow(entity::kProgressNote, nid);
    if (!n) continue;
    p.notes.push_back(NoteInfo{nid, static_cast<int>(p.notes.size()) + 1, RowText(*n, "date"),
                               RowText(*n, "author"), RowText(*n, "text")});
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
      if (!cat || RowText(*cat, "title") != filter.category_title) continue;
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
      snap.school = SchoolInfo{school_id_,        RowText(*s, "name"),   RowText(*s, "org_name"),
                               RowText(*s, "phone"), RowText(*s, "postal"), RowText(*s, "email")};
      snap.rule = CompletionRule::Parse(RowText(*s, "completion_rule")).value_or(CompletionRule{});
      snap.warn_days = static_cast<int>(RowInt(*s, "warn_days", 10));
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
                                     RowText(*i, "group_name"),
                                     RowText(*i, "kind"),
                                     RowText(*i, "onsite_from"),
                                     RowText(*i, "onsite_to"),
                                     RowText(*i, "feedback_date"),
                                     RowText(*i, "plan_date"),
                                     RowText(*i, "phase"),
                                     RowText(*i, "notice_date")};
  }
  for (const auto& aid :
       ChildIds(*db_, entity::kAspect, "inspection_id", *inspection, "ordinal, id")) {
    auto a = GetRow(entity::kAspect, aid);
    if (!a) continue;
    AspectInfo aspect{aid, static_cast<int>(RowInt(*a, "ordinal")), RowText(*a, "title"), {}};
    for (const auto& cid : ChildIds(*db_, entity::kCategory, "aspect_id", aid, "ordinal, id")) {
      auto c = GetRow(entity::kCategory, cid);
      if (c)
        aspect.categories.push_back({cid, static_cast<int>(RowInt(*c, "ordinal")), RowText(*c, "title")});
    }
    snap.aspects.push_back(std::move(aspect));
  }
  snap.problems = ListProblems(ProblemFilter{});
  auto accountability = ListAccountability();
  if (!accountability.ok()) return accountability.status();
  for (auto& a : *accountability) snap.accountability.push_back(std::move(a.info));
  auto steps = ListNextSteps();
  if (!steps.ok()) return steps.status();
  for (auto& n : *steps) snap.next_steps.push_back(std::move(n.info));
  return snap;
}

}  // namespace rectify
