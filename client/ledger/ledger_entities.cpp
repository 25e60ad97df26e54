// List, edit and delete of every entity (issue 11, defect 11): the operations
// the CLI and the desk share. A delete sets the tombstone field `deleted`
// (docs/design.md §2), so it is one op that syncs and merges like any edit.
#include <string>
#include <vector>

#include "client/ledger/ledger.h"
#include "client/ledger/ledger_internal.h"

namespace rectify {

using namespace ledger_internal;

namespace {

// "3" -> 3; anything that is not a small positive number -> 0.
int SmallNumber(const std::string& ref) {
  if (ref.empty() || ref.size() > 6 || ref.find_first_not_of("0123456789") != std::string::npos)
    return 0;
  return std::stoi(ref);
}

// The order accountability rows were first written in (the order entered).
constexpr const char* kEnteredOrder =
    "(SELECT MIN(hlc) FROM field_stamp WHERE entity = 'accountability' "
    "AND row_id = accountability.id), id";

}  // namespace

Status Ledger::Tombstone(std::string_view entity, const std::string& row_id,
                         const std::string& author) {
  return EditInTx(entity, row_id, {{std::string(kDeletedField), int64_t{1}}}, author);
}

std::string Ledger::AspectNames() {
  auto inspection = CurrentInspectionId();
  if (!inspection.ok()) return "none yet";
  std::string names;
  for (const auto& id : ChildIds(*db_, entity::kAspect, "inspection_id", *inspection,
                                 "ordinal, id")) {
    auto row = GetRow(entity::kAspect, id);
    if (!row) continue;
    names += (names.empty() ? "" : ", ") + std::to_string(RowInt(*row, "ordinal")) + " " +
             RowText(*row, "title");
  }
  return names.empty() ? "none yet" : names;
}

// ---- aspects and categories ------------------------------------------------------

Result<std::vector<AspectEntry>> Ledger::ListAspects() {
  std::vector<AspectEntry> out;
  auto snap = Snapshot();
  if (!snap.ok()) return snap.status();
  for (const auto& a : snap->aspects) {
    AspectEntry e;
    e.aspect = a;
    for (const auto& p : snap->problems)
      if (p.aspect_id == a.id) ++e.problems;
    for (const auto& c : a.categories) {
      int n = 0;
      for (const auto& p : snap->problems)
        if (p.category_id == c.id) ++n;
      e.category_problems.push_back(n);
    }
    out.push_back(std::move(e));
  }
  return out;
}

Status Ledger::RenameAspect(const std::string& ref, const std::string& title,
                            const std::string& author) {
  if (title.empty()) return Status::InvalidArgument("aspect title is empty");
  return InTx([&]() -> Status {
    auto id = ResolveAspect(ref, /*create=*/false, author);
    if (!id.ok()) return id.status();
    auto same = ResolveAspect(title, /*create=*/false, author);
    if (same.ok() && *same != *id)
      return Status::AlreadyExists("another aspect is already titled '" + title + "'");
    return EditInTx(entity::kAspect, *id, {{"title", title}}, author);
  });
}

Status Ledger::DeleteAspect(const std::string& ref, const std::string& author) {
  return InTx([&]() -> Status {
    auto id = ResolveAspect(ref, /*create=*/false, author);
    if (!id.ok()) return id.status();
    auto numbers = QueryTexts(*db_,
                              "SELECT number FROM problem WHERE aspect_id = ?1 AND deleted = 0 "
                              "ORDER BY number",
                              {*id});
    if (!numbers.ok()) return numbers.status();
    if (!numbers->empty()) {
      std::string list;
      for (const auto& n : *numbers) list += (list.empty() ? "" : ", ") + n;
      return Status::FailedPrecondition(
          "aspect '" + ref + "' still has " + std::to_string(numbers->size()) +
          " problem(s) (" + list +
          "); move them to another aspect (problem edit N --aspect …) or delete them first");
    }
    for (const auto& cid : ChildIds(*db_, entity::kCategory, "aspect_id", *id, "ordinal, id"))
      RECTIFY_RETURN_IF_ERROR(Tombstone(entity::kCategory, cid, author));
    return Tombstone(entity::kAspect, *id, author);
  });
}

Result<std::string> Ledger::ResolveCategory(const std::string& aspect_ref,
                                            const std::string& ref) {
  auto aspect = ResolveAspect(aspect_ref, /*create=*/false, "");
  if (!aspect.ok()) return aspect.status();
  std::string names;
  for (const auto& cid : ChildIds(*db_, entity::kCategory, "aspect_id", *aspect, "ordinal, id")) {
    auto row = GetRow(entity::kCategory, cid);
    if (!row) continue;
    const std::string ordinal = std::to_string(RowInt(*row, "ordinal"));
    if (cid == ref || RowText(*row, "title") == ref || ordinal == ref) return cid;
    names += (names.empty() ? "" : ", ") + ordinal + " " + RowText(*row, "title");
  }
  return Status::NotFound("aspect '" + aspect_ref + "' has no category titled or numbered '" +
                          ref + "'; categories: " + (names.empty() ? "none" : names));
}

Status Ledger::RenameCategory(const std::string& aspect_ref, const std::string& ref,
                              const std::string& title, const std::string& author) {
  if (title.empty()) return Status::InvalidArgument("category title is empty");
  return InTx([&]() -> Status {
    auto id = ResolveCategory(aspect_ref, ref);
    if (!id.ok()) return id.status();
    auto same = ResolveCategory(aspect_ref, title);
    if (same.ok() && *same != *id)
      return Status::AlreadyExists("another category of this aspect is already titled '" +
                                   title + "'");
    return EditInTx(entity::kCategory, *id, {{"title", title}}, author);
  });
}

Status Ledger::DeleteCategory(const std::string& aspect_ref, const std::string& ref,
                              const std::string& author) {
  return InTx([&]() -> Status {
    auto id = ResolveCategory(aspect_ref, ref);
    if (!id.ok()) return id.status();
    auto live = QueryInt(*db_,
                         "SELECT COUNT(*) FROM problem WHERE category_id = ?1 AND deleted = 0",
                         {*id}, 0);
    if (!live.ok()) return live.status();
    if (*live > 0)
      return Status::FailedPrecondition("category '" + ref + "' still has " +
                                        std::to_string(*live) +
                                        " problem(s); move or delete them first");
    return Tombstone(entity::kCategory, *id, author);
  });
}

// ---- problems, measures, notes ----------------------------------------------------

Status Ledger::DeleteProblem(const std::string& ref, const std::string& author) {
  return InTx([&]() -> Status {
    auto id = ResolveProblem(ref);
    if (!id.ok()) return id.status();
    RECTIFY_RETURN_IF_ERROR(CheckProblemWritable(*id));
    for (const auto& mid : ChildIds(*db_, entity::kMeasure, "problem_id", *id, "ordinal, id"))
      RECTIFY_RETURN_IF_ERROR(Tombstone(entity::kMeasure, mid, author));
    return Tombstone(entity::kProblem, *id, author);
  });
}

Result<std::string> Ledger::ResolveMeasure(const std::string& problem_id, int ordinal,
                                           const std::string& problem_ref) {
  auto ids = QueryTexts(*db_,
                        "SELECT id FROM measure WHERE problem_id = ?1 AND ordinal = ?2 "
                        "AND deleted = 0",
                        {problem_id, int64_t{ordinal}});
  if (!ids.ok()) return ids.status();
  if (ids->empty())
    return Status::NotFound("problem " + problem_ref + " has no measure " +
                            std::to_string(ordinal) + " (see `rectify measure list " +
                            problem_ref + "`)");
  return ids->front();
}

Status Ledger::EditMeasure(const std::string& problem_ref, int ordinal, const Fields& fields,
                           const std::string& author) {
  Fields f = fields;
  RECTIFY_RETURN_IF_ERROR(
      CheckAllowed("a measure", f, {"text", "owner", "deadline", "done_date"}));
  RECTIFY_RETURN_IF_ERROR(Normalize(entity::kMeasure, f));
  for (const auto& [name, value] : f)
    if (name == "text" && ValueToString(value).empty())
      return Status::InvalidArgument("a measure's text cannot be empty");
  return InTx([&]() -> Status {
    auto problem = ResolveProblem(problem_ref);
    if (!problem.ok()) return problem.status();
    RECTIFY_RETURN_IF_ERROR(CheckProblemWritable(*problem));
    auto id = ResolveMeasure(*problem, ordinal, problem_ref);
    if (!id.ok()) return id.status();
    return EditInTx(entity::kMeasure, *id, f, author);
  });
}

Status Ledger::DeleteMeasure(const std::string& problem_ref, int ordinal,
                             const std::string& author) {
  return InTx([&]() -> Status {
    auto problem = ResolveProblem(problem_ref);
    if (!problem.ok()) return problem.status();
    RECTIFY_RETURN_IF_ERROR(CheckProblemWritable(*problem));
    auto id = ResolveMeasure(*problem, ordinal, problem_ref);
    if (!id.ok()) return id.status();
    return Tombstone(entity::kMeasure, *id, author);
  });
}

Status Ledger::DeleteNote(const std::string& problem_ref, const std::string& ref,
                          const std::string& author) {
  return InTx([&]() -> Status {
    auto p = GetProblem(problem_ref);
    if (!p.ok()) return p.status();
    RECTIFY_RETURN_IF_ERROR(CheckProblemWritable(p->id));
    for (const auto& n : p->notes)
      if (n.id == ref || std::to_string(n.number) == ref)
        return Tombstone(entity::kProgressNote, n.id, author);
    return Status::NotFound("problem " + problem_ref + " has no progress note " + ref +
                            " (see `rectify note list " + problem_ref + "`)");
  });
}

// ---- accountability and next steps ---------------------------------------------

Result<std::vector<AccountabilityEntry>> Ledger::ListAccountability() {
  std::vector<AccountabilityEntry> out;
  auto inspection = CurrentInspectionId();
  if (!inspection.ok()) {
    if (inspection.status().code() == Status::Code::kNotFound) return out;
    return inspection.status();
  }
  for (const auto& id :
       ChildIds(*db_, entity::kAccountability, "inspection_id", *inspection, kEnteredOrder)) {
    auto r = GetRow(entity::kAccountability, id);
    if (!r) continue;
    out.push_back(AccountabilityEntry{
        id, static_cast<int>(out.size()) + 1,
        AccountabilityInfo{RowText(*r, "kind"), RowText(*r, "label"), RowInt(*r, "count"),
                           RowInt(*r, "amount_fen"), RowText(*r, "note")}});
  }
  return out;
}

Result<std::string> Ledger::ResolveAccountability(const std::string& ref) {
  auto all = ListAccountability();
  if (!all.ok()) return all.status();
  for (const auto& a : *all)
    if (a.id == ref || (SmallNumber(ref) != 0 && a.number == SmallNumber(ref))) return a.id;
  return Status::NotFound("no accountability item " + ref +
                          " (see `rectify accountability list`)");
}

Status Ledger::EditAccountability(const std::string& ref, const Fields& fields,
                                  const std::string& author) {
  Fields f = fields;
  RECTIFY_RETURN_IF_ERROR(CheckAllowed("an accountability item", f,
                                       {"kind", "label", "count", "amount_fen", "note"}));
  RECTIFY_RETURN_IF_ERROR(Normalize(entity::kAccountability, f));
  return InTx([&]() -> Status {
    auto id = ResolveAccountability(ref);
    if (!id.ok()) return id.status();
    auto row = GetRow(entity::kAccountability, *id);
    if (!row) return Status::NotFound("no accountability item " + ref);
    for (const auto& [name, value] : f) (*row)[name] = value;  // the row as it would be
    RECTIFY_RETURN_IF_ERROR(CheckAccountability(RowText(*row, "kind"), RowText(*row, "label"),
                                                RowInt(*row, "count"),
                                                RowInt(*row, "amount_fen")));
    return EditInTx(entity::kAccountability, *id, f, author);
  });
}

Status Ledger::DeleteAccountability(const std::string& ref, const std::string& author) {
  return InTx([&]() -> Status {
    auto id = ResolveAccountability(ref);
    if (!id.ok()) return id.status();
    return Tombstone(entity::kAccountability, *id, author);
  });
}

Result<std::vector<NextStepEntry>> Ledger::ListNextSteps() {
  std::vector<NextStepEntry> out;
  auto inspection = CurrentInspectionId();
  if (!inspection.ok()) {
    if (inspection.status().code() == Status::Code::kNotFound) return out;
    return inspection.status();
  }
  for (const auto& id :
       ChildIds(*db_, entity::kNextStep, "inspection_id", *inspection, "ordinal, id")) {
    auto r = GetRow(entity::kNextStep, id);
    if (!r) continue;
    out.push_back(NextStepEntry{id, NextStepInfo{static_cast<int>(RowInt(*r, "ordinal")),
                                                 RowText(*r, "title"), RowText(*r, "text")}});
  }
  return out;
}

Result<std::string> Ledger::ResolveNextStep(const std::string& ref) {
  auto all = ListNextSteps();
  if (!all.ok()) return all.status();
  for (const auto& n : *all)
    if (n.id == ref || (SmallNumber(ref) != 0 && n.info.ordinal == SmallNumber(ref))) return n.id;
  return Status::NotFound("no next step " + ref + " (see `rectify next-step list`)");
}

Status Ledger::EditNextStep(const std::string& ref, const Fields& fields,
                            const std::string& author) {
  Fields f = fields;
  RECTIFY_RETURN_IF_ERROR(CheckAllowed("a next step", f, {"title", "text"}));
  return InTx([&]() -> Status {
    auto id = ResolveNextStep(ref);
    if (!id.ok()) return id.status();
    auto row = GetRow(entity::kNextStep, *id);
    if (!row) return Status::NotFound("no next step " + ref);
    for (const auto& [name, value] : f) (*row)[name] = value;
    if (RowText(*row, "title").empty() && RowText(*row, "text").empty())
      return Status::InvalidArgument("a next step needs text");
    return EditInTx(entity::kNextStep, *id, f, author);
  });
}

Status Ledger::DeleteNextStep(const std::string& ref, const std::string& author) {
  return InTx([&]() -> Status {
    auto id = ResolveNextStep(ref);
    if (!id.ok()) return id.status();
    return Tombstone(entity::kNextStep, *id, author);
  });
}

}  // namespace rectify
