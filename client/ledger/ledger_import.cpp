// Ledger::ImportRows: a validated spreadsheet merged into the current
// inspection. Every write goes through EditInTx, so unchanged cells write no
// op and re-importing the same file is a no-op.
#include "client/ledger/ledger.h"
#include "client/ledger/ledger_internal.h"

namespace rectify {

using namespace ledger_internal;

namespace {

Status AtLine(const ImportRow& row, Status st) {
  return st.Annotate(row.where.empty() ? "line " + std::to_string(row.line) : row.where);
}

// The problem fields a row sets; empty cells are left out so that a sparse
// spreadsheet never blanks what the ledger already knows.
Result<Fields> ProblemFields(const ImportRow& row) {
  Fields f;
  auto text = [&](const char* name, const std::string& v) {
    if (!v.empty()) f.emplace_back(name, v);
  };
  text("title", row.title);
  text("detail", row.detail);
  text("department", row.department);
  text("person", row.person);
  text("result", row.result);
  if (!row.deadline.empty()) {
    if (!IsValidDeadline(row.deadline))
      return Status::InvalidArgument("deadline must be YYYY-MM-DD or 长期, got '" + row.deadline +
                                     "'");
    f.emplace_back("deadline", row.deadline);
  }
  if (!row.kind.empty()) {
    auto kind = ParseKind(row.kind);
    if (!kind) return Status::InvalidArgument("unknown problem kind '" + row.kind + "'");
    f.emplace_back("kind", std::string(KindCode(*kind)));
  }
  if (!row.status.empty()) {
    auto status = ParseStatus(row.status);
    if (!status) return Status::InvalidArgument("unknown status '" + row.status + "'");
    f.emplace_back("status", std::string(StatusCode(*status)));
  }
  return f;
}

}  // namespace

Status Ledger::ImportRows(const std::vector<ImportRow>& rows, const std::string& author,
                          ImportSummary* out) {
  ImportSummary sum;
  const uint64_t seq_before = LastDeviceSeq();
  Status st = InTx([&]() -> Status {
    auto inspection = EnsureInspection(author);
    if (!inspection.ok()) return inspection.status();
    for (const ImportRow& row : rows) {
      Status s = ImportOne(*inspection, row, author, &sum);
      if (!s.ok()) return AtLine(row, s);
    }
    return Status::OK();
  });
  if (!st.ok()) return st;
  sum.ops_written = static_cast<int>(LastDeviceSeq() - seq_before);
  if (out) *out = sum;
  return Status::OK();
}

Status Ledger::ImportOne(const std::string& inspection, const ImportRow& row,
                         const std::string& author, ImportSummary* sum) {
  if (row.title.empty() && row.number.empty())
    return Status::InvalidArgument("a problem needs a number or a title");
  auto fields = ProblemFields(row);
  if (!fields.ok()) return fields.status();
  Fields f = std::move(fields).value();

  if (!row.aspect.empty()) {
    bool created = false;
    auto aspect = FindOrAddAspect(inspection, row.aspect, author, &created);
    if (!aspect.ok()) return aspect.status();
    sum->aspects_created += created;
    f.emplace_back("aspect_id", *aspect);
    if (!row.category.empty()) {
      auto category = FindOrAddCategory(*aspect, row.category, author, &created);
      if (!category.ok()) return category.status();
      sum->categories_created += created;
      f.emplace_back("category_id", *category);
    }
  } else if (!row.category.empty()) {
    return Status::InvalidArgument("category '" + row.category + "' has no aspect");
  }

  // Find the problem: by number, else by title within the inspection.
  std::vector<std::string> found;
  int64_t number = 0;
  if (!row.number.empty()) {
    if (row.number.size() > 9 || row.number.find_first_not_of("0123456789") != std::string::npos)
      return Status::InvalidArgument("problem number must be digits, got '" + row.number + "'");
    number = std::stoll(row.number);
    auto ids = QueryTexts(*db_,
                          "SELECT id FROM problem WHERE inspection_id = ?1 AND number = ?2 "
                          "AND deleted = 0",
                          {inspection, number});
    if (!ids.ok()) return ids.status();
    found = *ids;
  } else {
    auto ids = QueryTexts(*db_,
                          "SELECT id FROM problem WHERE inspection_id = ?1 AND title = ?2 "
                          "AND deleted = 0 ORDER BY number",
                          {inspection, row.title});
    if (!ids.ok()) return ids.status();
    found = *ids;
  }

  std::string problem_id;
  if (found.empty()) {
    if (row.title.empty()) return Status::InvalidArgument("a new problem needs a title");
    if (number == 0) {
      auto max = QueryInt(*db_,
                          "SELECT MAX(number) FROM problem WHERE inspection_id = ?1 "
                          "AND deleted = 0",
                          {inspection}, 0);
      if (!max.ok()) return max.status();
      number = *max + 1;
    }
    problem_id = ids_.NewId();
    f.emplace_back("inspection_id", inspection);
    f.emplace_back("number", number);
    bool has_status = false, has_kind = false;
    for (const auto& kv : f) {
      has_status |= kv.first == "status";
      has_kind |= kv.first == "kind";
    }
    if (!has_status) f.emplace_back("status", std::string(StatusCode(ProblemStatus::kNotStarted)));
    if (!has_kind) f.emplace_back("kind", std::string(KindCode(ProblemKind::kWithinPeriod)));
    sum->problems_created++;
  } else {
    problem_id = found.front();
  }
  RECTIFY_RETURN_IF_ERROR(CheckImportAllowed(problem_id, f));
  bool wrote = false;
  RECTIFY_RETURN_IF_ERROR(EditInTx(entity::kProblem, problem_id, f, author, &wrote));
  if (!found.empty()) (wrote ? sum->problems_updated : sum->problems_unchanged)++;

  for (size_t i = 0; i < row.measures.size(); ++i) {
    if (row.measures[i].empty()) continue;
    const int64_t ordinal = static_cast<int64_t>(i) + 1;
    auto ids = QueryTexts(*db_,
                          "SELECT id FROM measure WHERE problem_id = ?1 AND ordinal = ?2 "
                          "AND deleted = 0",
                          {problem_id, ordinal});
    if (!ids.ok()) return ids.status();
    Fields mf = {{"text", row.measures[i]}};
    std::string measure_id;
    if (ids->empty()) {
      measure_id = ids_.NewId();
      mf.emplace_back("problem_id", problem_id);
      mf.emplace_back("ordinal", ordinal);
    } else {
      measure_id = ids->front();
    }
    RECTIFY_RETURN_IF_ERROR(EditInTx(entity::kMeasure, measure_id, mf, author, &wrote));
    sum->measures_written += wrote;
  }
  return Status::OK();
}

Status Ledger::CheckImportAllowed(const std::string& problem_id, const Fields& f) {
  if (role_ == Role::kAuditor) return Status::OK();
  auto current = GetRow(entity::kProblem, problem_id);
  const bool exists = current.has_value();
  const bool verified =
      exists && ValueToString(current->at("status")) == StatusCode(ProblemStatus::kVerified);
  for (const auto& [name, value] : f) {
    const bool changes = !exists || current->at(name) != value;
    if (!changes) continue;
    if (verified)
      return Status::PermissionDenied("problem " + ValueToString(current->at("number")) +
                                      " is verified (已销号) and read-only to a school");
    if (name == "status" && ValueToString(value) == StatusCode(ProblemStatus::kVerified))
      return Status::PermissionDenied("only an auditor can mark a problem verified (已销号)");
  }
  return Status::OK();
}

}  // namespace rectify
