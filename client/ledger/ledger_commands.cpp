// Domain commands on top of Ledger::EditInTx. Each public command runs in one
// transaction (InTx), so an error anywhere leaves the ledger unchanged.
#include <algorithm>
#include <cctype>
#include <set>

#include "client/ledger/ledger.h"
#include "client/ledger/ledger_internal.h"

namespace rectify {

namespace ledger_internal {

namespace {

bool IsDigitText(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

Status CheckAllowed(std::string_view what, const Fields& fields,
                    const std::set<std::string>& allowed) {
  for (const auto& [name, value] : fields) {
    if (!allowed.count(name)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return Status::InvalidArgument("cannot set '" + name + "' of " + std::string(what) +
                                     " here (allowed: " + list + ")");
    }
  }
  return Status::OK();
}

Status Normalize(std::string_view entity, Fields& fields) {
  const EntityDef* def = FindEntity(entity);
  for (auto& [name, value] : fields) {
    const FieldDef* f = def ? def->Find(name) : nullptr;
    if (f == nullptr) continue;  // EditInTx reports it
    auto* text = std::get_if<std::string>(&value);
    if (f->type == FieldType::kInt && text != nullptr) {
      std::string_view t = *text;
      bool neg = !t.empty() && t[0] == '-';
      if (!IsDigitText(neg ? t.substr(1) : t) || t.size() > 18)
        return Status::InvalidArgument(std::string(entity) + "." + name +
                                       " must be a whole number, got '" + *text + "'");
      value = static_cast<int64_t>(std::stoll(*text));
      continue;
    }
    if (text == nullptr) continue;
    const bool typed = f->type == FieldType::kDate || f->type == FieldType::kDeadline ||
                       f->type == FieldType::kKind || f->type == FieldType::kStatus;
    if (typed && text->empty()) {
      value = std::monostate{};  // clearing a typed field stores null, never ""
    } else if (f->type == FieldType::kDate) {
      auto d = NormalizeDate(*text);
      if (!d)
        return Status::InvalidArgument(std::string(entity) + "." + name +
                                       " must be a date YYYY-MM-DD (a real calendar day), got '" +
                                       *text + "'");
      value = *d;
    } else if (f->type == FieldType::kDeadline) {
      auto d = NormalizeDeadline(*text);
      if (!d)
        return Status::InvalidArgument("deadline must be YYYY-MM-DD or 长期, got '" + *text + "'");
      value = *d;
    } else if (f->type == FieldType::kKind) {
      auto kind = ParseKind(*text);
      if (!kind)
        return Status::InvalidArgument("unknown problem kind '" + *text +
                                       "' (立行立改/限期整改/长期坚持 or "
                                       "immediate/within_period/ongoing)");
      value = std::string(KindCode(*kind));
    } else if (name == "completion_rule") {
      auto rule = CompletionRule::Parse(*text);
      if (!rule)
        return Status::InvalidArgument("completion rule must be 'default' or 'strict', got '" +
                                       *text + "'");
      value = rule->code;
    }
  }
  return Status::OK();
}

Status CheckAccountability(const std::string& kind, const std::string& label, int64_t count,
                           int64_t amount_fen) {
  if (kind != "funds" && kind != "disposition")
    return Status::InvalidArgument("accountability kind must be 'funds' or 'disposition', got '" +
                                   kind + "'");
  if (label.empty()) return Status::InvalidArgument("accountability needs a label");
  if (count < 0 || amount_fen < 0)
    return Status::InvalidArgument("count and amount must not be negative");
  return Status::OK();
}

}  // namespace ledger_internal

using namespace ledger_internal;

namespace {


std::string StatusHelp() {
  return " (use 未开始/推进中/已完成/长期坚持/已销号 or "
         "not_started/in_progress/completed/long_term/verified)";
}

ProblemStatus StatusOf(const std::map<std::string, Value>& row) {
  auto s = ParseStatus(ValueToString(row.at("status")));
  return s.value_or(ProblemStatus::kNotStarted);
}

}  // namespace

// ---- helpers -------------------------------------------------------------------

Result<std::string> Ledger::CurrentInspectionId() {
  if (auto chosen = GetMeta("current_inspection")) {
    auto row = GetRow(entity::kInspection, *chosen);
    if (row && std::get<int64_t>(row->at("deleted")) == 0) return *chosen;
  }
  auto ids = QueryTexts(*db_,
                        "SELECT id FROM inspection WHERE deleted = 0 "
                        "ORDER BY ordinal DESC, id DESC LIMIT 1",
                        {});
  if (!ids.ok()) return ids.status();
  if (ids->empty()) return Status::NotFound("the ledger has no inspection yet");
  return ids->front();
}

Result<std::string> Ledger::EnsureInspection(const std::string& author) {
  auto id = CurrentInspectionId();
  if (id.ok() || id.status().code() != Status::Code::kNotFound) return id;
  std::string new_id = ids_.NewId();
  RECTIFY_RETURN_IF_ERROR(EditInTx(entity::kInspection, new_id, {{"ordinal", int64_t{1}}}, author));
  return new_id;
}

Result<int64_t> Ledger::NextOrdinal(std::string_view entity, const std::string& parent_field,
                                    const std::string& parent_id) {
  auto max = QueryInt(*db_,
                      "SELECT MAX(ordinal) FROM " + Quote(entity) + " WHERE " +
                          Quote(parent_field) + " = ?1 AND deleted = 0",
                      {parent_id}, 0);
  if (!max.ok()) return max.status();
  return *max + 1;
}

Result<std::string> Ledger::ResolveProblem(const std::string& ref) {
  Result<std::vector<std::string>> ids = std::vector<std::string>{};
  if (IsDigitText(ref) && ref.size() < 10) {
    auto inspection = CurrentInspectionId();
    if (!inspection.ok()) return Status::NotFound("no problem " + ref + ": no inspection yet");
    ids = QueryTexts(*db_,
                     "SELECT id FROM problem WHERE inspection_id = ?1 AND number = ?2 "
                     "AND deleted = 0",
                     {*inspection, int64_t{std::stoll(ref)}});
  } else {
    ids = QueryTexts(*db_, "SELECT id FROM problem WHERE id = ?1 AND deleted = 0", {ref});
  }
  if (!ids.ok()) return ids.status();
  if (ids->empty()) return Status::NotFound("no problem '" + ref + "' in the current inspection");
  return ids->front();
}

Status Ledger::CheckProblemWritable(const std::string& problem_id) {
  auto row = ReadViewRow(*db_, *FindEntity(entity::kProblem), problem_id);
  if (!row.ok()) return row.status();
  if (!row->has_value()) return Status::NotFound("no problem '" + problem_id + "'");
  if (auto why = CheckProblemEdit(role_, StatusOf(**row), ValueToString((**row).at("number"))))
    return Status::PermissionDenied(*why);
  return Status::OK();
}

Result<std::string> Ledger::FindOrAddAspect(const std::string& inspection_id,
                                            const std::string& title, const std::string& author,
                                            bool* created) {
  if (created) *created = false;
  if (title.empty()) return Status::InvalidArgument("aspect title is empty");
  auto ids = QueryTexts(*db_,
                        "SELECT id FROM aspect WHERE inspection_id = ?1 AND title = ?2 "
                        "AND deleted = 0 ORDER BY ordinal, id",
                        {inspection_id, title});
  if (!ids.ok()) return ids.status();
  if (!ids->empty()) return ids->front();
  auto ordinal = NextOrdinal(entity::kAspect, "inspection_id", inspection_id);
  if (!ordinal.ok()) return ordinal.status();
  std::string id = ids_.NewId();
  RECTIFY_RETURN_IF_ERROR(EditInTx(
      entity::kAspect, id,
      {{"inspection_id", inspection_id}, {"ordinal", *ordinal}, {"title", title}}, author));
  if (created) *created = true;
  return id;
}

Result<std::string> Ledger::FindOrAddCategory(const std::string& aspect_id,
                                              const std::string& title, const std::string& author,
                                              bool* created) {
  if (created) *created = false;
  if (title.empty()) return Status::InvalidArgument("category title is empty");
  auto ids = QueryTexts(*db_,
                        "SELECT id FROM category WHERE aspect_id = ?1 AND title = ?2 "
                        "AND deleted = 0 ORDER BY ordinal, id",
                        {aspect_id, title});
  if (!ids.ok()) return ids.status();
  if (!ids->empty()) return ids->front();
  auto ordinal = NextOrdinal(entity::kCategory, "aspect_id", aspect_id);
  if (!ordinal.ok()) return ordinal.status();
  std::string id = ids_.NewId();
  RECTIFY_RETURN_IF_ERROR(
      EditInTx(entity::kCategory, id,
               {{"aspect_id", aspect_id}, {"ordinal", *ordinal}, {"title", title}}, author));
  if (created) *created = true;
  return id;
}

// ---- school and inspection ---------------------------------------------------------

Status Ledger::InitSchool(const std::string& id, const std::string& name,
                          const std::string& org_name, const std::string& author) {
  if (id.empty()) return Status::InvalidArgument("school id is empty");
  if (name.empty()) return Status::InvalidArgument("school name is empty");
  return InTx([&]() -> Status {
    if (!school_id_.empty() && school_id_ != id)
      return Status::FailedPrecondition("this ledger already belongs to school '" + school_id_ +
                                        "'");
    if (school_id_.empty()) {
      RECTIFY_RETURN_IF_ERROR(PutMeta("school_id", id));
      school_id_ = id;
    }
    Fields fields = {{"name", name}};
    if (!org_name.empty()) fields.emplace_back("org_name", org_name);
    return EditInTx(entity::kSchool, id, std::move(fields), author);
  });
}

Status Ledger::EditSchool(const Fields& fields, const std::string& author) {
  Fields f = fields;
  RECTIFY_RETURN_IF_ERROR(CheckAllowed(
      "the school", f,
      {"name", "org_name", "phone", "postal", "email", "completion_rule", "warn_days"}));
  RECTIFY_RETURN_IF_ERROR(Normalize(entity::kSchool, f));
  for (const auto& [name, value] : f) {
    if (name == "warn_days" && std::holds_alternative<int64_t>(value) &&
        std::get<int64_t>(value) < 0)
      return Status::InvalidArgument("warn_days must not be negative");
  }
  if (school_id_.empty()) return Status::FailedPrecondition("the ledger has no school yet");
  return InTx([&] { return EditInTx(entity::kSchool, school_id_, f, author); });
}

namespace {
const std::set<std::string> kInspectionFields = {"group_name", "kind",          "onsite_from",
                                                 "onsite_to",  "feedback_date", "plan_date",
                                                 "phase",      "notice_date"};
}  // namespace

Result<std::string> Ledger::AddInspection(const Fields& fields, const std::string& author) {
  Fields f = fields;
  RECTIFY_RETURN_IF_ERROR(CheckAllowed("an inspection", f, kInspectionFields));
  RECTIFY_RETURN_IF_ERROR(Normalize(entity::kInspection, f));
  std::string id = ids_.NewId();
  Status st = InTx([&]() -> Status {
    auto max = QueryInt(*db_, "SELECT MAX(ordinal) FROM inspection WHERE deleted = 0", {}, 0);
    if (!max.ok()) return max.status();
    f.emplace_back("ordinal", *max + 1);
    RECTIFY_RETURN_IF_ERROR(EditInTx(entity::kInspection, id, f, author));
    return PutMeta("current_inspection", id);  // the new inspection becomes current
  });
  if (!st.ok()) return st;
  return id;
}

Result<std::vector<Ledger::InspectionEntry>> Ledger::ListInspections() {
  auto current = CurrentInspectionId();
  auto stmt = db_->Prepare(
      "SELECT id, ordinal, group_name, kind, onsite_from, "
      "(SELECT COUNT(*) FROM problem p WHERE p.inspection_id = i.id AND p.deleted = 0) "
      "FROM inspection i WHERE deleted = 0 ORDER BY ordinal, id");
  if (!stmt.ok()) return stmt.status();
  std::vector<InspectionEntry> out;
  for (;;) {
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    InspectionEntry e;
    e.id = stmt->ColumnText(0);
    e.ordinal = stmt->ColumnInt(1);
    e.group_name = stmt->ColumnText(2);
    e.kind = stmt->ColumnText(3);
    e.onsite_from = stmt->ColumnText(4);
    e.problems = stmt->ColumnInt(5);
    e.current = current.ok() && *current == e.id;
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::string> Ledger::UseInspection(const std::string& ref) {
  auto all = ListInspections();
  if (!all.ok()) return all.status();
  for (const auto& e : *all) {
    if (e.id != ref && std::to_string(e.ordinal) != ref) continue;
    RECTIFY_RETURN_IF_ERROR(PutMeta("current_inspection", e.id));
    return e.id;
  }
  return Status::NotFound("no inspection numbered " + ref + " (see `rectify inspection list`)");
}

Status Ledger::EditInspection(const Fields& fields, const std::string& author) {
  Fields f = fields;
  RECTIFY_RETURN_IF_ERROR(CheckAllowed("an inspection", f, kInspectionFields));
  RECTIFY_RETURN_IF_ERROR(Normalize(entity::kInspection, f));
  return InTx([&]() -> Status {
    auto id = CurrentInspectionId();
    if (!id.ok()) return id.status();
    return EditInTx(entity::kInspection, *id, f, author);
  });
}

Result<std::string> Ledger::AddAspect(const std::string& title, const std::string& author) {
  std::string id;
  Status st = InTx([&]() -> Status {
    auto inspection = EnsureInspection(author);
    if (!inspection.ok()) return inspection.status();
    auto r = FindOrAddAspect(*inspection, title, author, nullptr);
    if (!r.ok()) return r.status();
    id = *r;
    return Status::OK();
  });
  if (!st.ok()) return st;
  return id;
}

Result<std::string> Ledger::ResolveAspect(const std::string& ref, bool create,
                                          const std::string& author) {
  if (ref.empty()) return Status::InvalidArgument("aspect title is empty");
  if (auto row = GetRow(entity::kAspect, ref); row && std::get<int64_t>(row->at("deleted")) == 0)
    return ref;
  auto inspection = CurrentInspectionId();
  if (inspection.ok()) {
    for (const char* column : {"title", "ordinal"}) {
      auto ids = QueryTexts(*db_,
                            std::string("SELECT id FROM aspect WHERE inspection_id = ?1 AND "
                                        "deleted = 0 AND CAST(") +
                                column + " AS TEXT) = ?2 ORDER BY ordinal, id",
                            {*inspection, ref});
      if (!ids.ok()) return ids.status();
      if (!ids->empty()) return ids->front();
    }
  } else if (inspection.status().code() != Status::Code::kNotFound) {
    return inspection.status();
  }
  const bool numeric = ref.find_first_not_of("0123456789") == std::string::npos;
  if (!create || numeric)
    return Status::NotFound("no aspect titled or numbered '" + ref +
                            "' in the current inspection; aspects: " + AspectNames() +
                            ". Add it with `rectify aspect add " + (numeric ? "TITLE" : ref) +
                            "`, or give --new-aspect to create it with this command");
  auto id = EnsureInspection(author);
  if (!id.ok()) return id.status();
  return FindOrAddAspect(*id, ref, author, nullptr);
}

Result<std::string> Ledger::AddCategory(const std::string& aspect_ref, const std::string& title,
                                        const std::string& author, bool new_aspect) {
  std::string id;
  Status st = InTx([&]() -> Status {
    if (title.empty()) return Status::InvalidArgument("category title is empty");
    auto aspect_id = ResolveAspect(aspect_ref, new_aspect, author);
    if (!aspect_id.ok()) return aspect_id.status();
    auto r = FindOrAddCategory(*aspect_id, title, author, nullptr);
    if (!r.ok()) return r.status();
    id = *r;
    return Status::OK();
  });
  if (!st.ok()) return st;
  return id;
}

// ---- problems ------------------------------------------------------------------------

Result<std::string> Ledger::AddProblem(const NewProblem& p, const std::string& author) {
  if (p.title.empty()) return Status::InvalidArgument("a problem needs a title");
  if (p.number < 0) return Status::InvalidArgument("problem number must be positive");
  if (!p.category.empty() && p.aspect.empty())
    return Status::InvalidArgument("a category needs its aspect");
  std::string status_code = std::string(StatusCode(ProblemStatus::kNotStarted));
  if (!p.status.empty()) {
    auto s = ParseStatus(p.status);
    if (!s) return Status::InvalidArgument("unknown status '" + p.status + "'" + StatusHelp());
    if (auto why = CheckStatusChange(role_, ProblemStatus::kNotStarted, *s, "",
                                     std::to_string(p.number)))
      return Status::PermissionDenied(*why);
    status_code = std::string(StatusCode(*s));
  }
  Fields f = {{"title", p.title}, {"status", status_code}};
  auto add_text = [&](const char* name, const std::string& v) {
    if (!v.empty()) f.emplace_back(name, v);
  };
  add_text("detail", p.detail);
  add_text("kind", p.kind.empty() ? std::string(KindCode(ProblemKind::kWithinPeriod)) : p.kind);
  add_text("deadline", p.deadline);
  add_text("department", p.department);
  add_text("person", p.person);
  add_text("result", p.result);
  RECTIFY_RETURN_IF_ERROR(Normalize(entity::kProblem, f));
  std::string id = ids_.NewId();
  Status st = InTx([&]() -> Status {
    auto inspection = EnsureInspection(author);
    if (!inspection.ok()) return inspection.status();
    f.emplace_back("inspection_id", *inspection);
    int64_t number = p.number;
    if (number == 0) {
      auto max = QueryInt(*db_,
                          "SELECT MAX(number) FROM problem WHERE inspection_id = ?1 "
                          "AND deleted = 0",
                          {*inspection}, 0);
      if (!max.ok()) return max.status();
      number = *max + 1;
    } else if (ResolveProblem(std::to_string(number)).ok()) {
      return Status::AlreadyExists("problem number " + std::to_string(number) +
                                   " is already used in this inspection");
    }
    f.emplace_back("number", number);
    if (!p.aspect.empty()) {
      auto aspect = ResolveAspect(p.aspect, p.new_aspect, author);
      if (!aspect.ok()) return aspect.status();
      f.emplace_back("aspect_id", *aspect);
      if (!p.category.empty()) {
        auto category = FindOrAddCategory(*aspect, p.category, author, nullptr);
        if (!category.ok()) return category.status();
        f.emplace_back("category_id", *category);
      }
    }
    return EditInTx(entity::kProblem, id, f, author);
  });
  if (!st.ok()) return st;
  return id;
}

Status Ledger::EditProblem(const std::string& ref, const Fields& fields, const std::string& author,
                           const Placement& move) {
  for (const auto& [name, value] : fields)
    if (name == "status" || name == "status_reason")
      return Status::InvalidArgument("change a problem's status with SetProblemStatus");
  Fields f = fields;
  RECTIFY_RETURN_IF_ERROR(
      CheckAllowed("a problem", f,
                   {"number", "title", "detail", "kind", "deadline", "department", "person",
                    "result", "internal", "aspect_id", "category_id", "deleted"}));
  RECTIFY_RETURN_IF_ERROR(Normalize(entity::kProblem, f));
  return InTx([&]() -> Status {
    auto id = ResolveProblem(ref);
    if (!id.ok()) return id.status();
    RECTIFY_RETURN_IF_ERROR(CheckProblemWritable(*id));
    for (const auto& [name, value] : f) {
      if (name == "title" && ValueToString(value).empty())
        return Status::InvalidArgument("a problem's title cannot be empty");
      if (name != "number") continue;
      if (!std::holds_alternative<int64_t>(value) || std::get<int64_t>(value) <= 0)
        return Status::InvalidArgument("problem number must be a positive integer");
      auto other = ResolveProblem(std::to_string(std::get<int64_t>(value)));
      if (other.ok() && *other != *id)
        return Status::AlreadyExists("problem number " + ValueToString(value) +
                                     " is already used in this inspection");
    }
    // Placement last: it may create an aspect or category, and any refusal
    // above must leave the ledger as it was (the transaction rolls back too).
    std::string aspect_id;
    if (!move.aspect.empty()) {
      auto aspect = ResolveAspect(move.aspect, move.new_aspect, author);
      if (!aspect.ok()) return aspect.status();
      aspect_id = *aspect;
      f.emplace_back("aspect_id", aspect_id);
    } else if (!move.category.empty()) {
      auto row = GetRow(entity::kProblem, *id);
      if (row) aspect_id = ValueToString(row->at("aspect_id"));
      if (aspect_id.empty()) return Status::InvalidArgument("a category needs its aspect (--aspect)");
    }
    if (!move.category.empty()) {
      auto category = FindOrAddCategory(aspect_id, move.category, author, nullptr);
      if (!category.ok()) return category.status();
      f.emplace_back("category_id", *category);
    }
    return EditInTx(entity::kProblem, *id, f, author);
  });
}

Status Ledger::SetProblemStatus(const std::string& ref, const std::string& status_text,
                                const std::string& reason, const std::string& author) {
  auto target = ParseStatus(status_text);
  if (!target)
    return Status::InvalidArgument("unknown status '" + status_text + "'" + StatusHelp());
  return InTx([&]() -> Status {
    auto id = ResolveProblem(ref);
    if (!id.ok()) return id.status();
    auto row = GetRow(entity::kProblem, *id);
    if (!row) return Status::NotFound("no problem '" + ref + "'");
    if (auto why = CheckStatusChange(role_, StatusOf(*row), *target, reason,
                                     ValueToString(row->at("number")))) {
      // Missing a reason is the user's to fix; the rest is a matter of role.
      if (role_ == Role::kAuditor) return Status::InvalidArgument(*why);
      return Status::PermissionDenied(*why);
    }
    Fields f = {{"status", std::string(StatusCode(*target))}};
    if (!reason.empty()) f.emplace_back("status_reason", reason);
    return EditInTx(entity::kProblem, *id, f, author);
  });
}

// ---- measures, notes, accountability, next steps ---------------------------------------

Result<std::string> Ledger::AddMeasure(const std::string& problem_ref, const std::string& text,
                                       const std::string& owner, const std::string& deadline,
                                       const std::string& author) {
  if (text.empty()) return Status::InvalidArgument("a measure needs its text");
  std::optional<std::string> due;
  if (!deadline.empty() && !(due = NormalizeDeadline(deadline)))
    return Status::InvalidArgument("deadline must be YYYY-MM-DD or 长期, got '" + deadline + "'");
  std::string id = ids_.NewId();
  Status st = InTx([&]() -> Status {
    auto problem = ResolveProblem(problem_ref);
    if (!problem.ok()) return problem.status();
    RECTIFY_RETURN_IF_ERROR(CheckProblemWritable(*problem));
    auto ordinal = NextOrdinal(entity::kMeasure, "problem_id", *problem);
    if (!ordinal.ok()) return ordinal.status();
    Fields f = {{"problem_id", *problem}, {"ordinal", *ordinal}, {"text", text}};
    if (!owner.empty()) f.emplace_back("owner", owner);
    if (due) f.emplace_back("deadline", *due);
    return EditInTx(entity::kMeasure, id, f, author);
  });
  if (!st.ok()) return st;
  return id;
}

Status Ledger::MarkMeasureDone(const std::string& problem_ref, int ordinal, const std::string& date,
                               const std::string& author) {
  if (!IsValidDate(date))
    return Status::InvalidArgument("done date must be YYYY-MM-DD, got '" + date + "'");
  return InTx([&]() -> Status {
    auto problem = ResolveProblem(problem_ref);
    if (!problem.ok()) return problem.status();
    RECTIFY_RETURN_IF_ERROR(CheckProblemWritable(*problem));
    auto ids = QueryTexts(*db_,
                          "SELECT id FROM measure WHERE problem_id = ?1 AND ordinal = ?2 "
                          "AND deleted = 0",
                          {*problem, int64_t{ordinal}});
    if (!ids.ok()) return ids.status();
    if (ids->empty())
      return Status::NotFound("problem " + problem_ref + " has no measure " +
                              std::to_string(ordinal));
    return EditInTx(entity::kMeasure, ids->front(), {{"done_date", date}}, author);
  });
}

Result<std::string> Ledger::AddNote(const std::string& problem_ref, const std::string& date,
                                    const std::string& author, const std::string& text) {
  if (!IsValidDate(date))
    return Status::InvalidArgument("note date must be YYYY-MM-DD, got '" + date + "'");
  if (text.empty()) return Status::InvalidArgument("a progress note needs its text");
  std::string id = ids_.NewId();
  Status st = InTx([&]() -> Status {
    auto problem = ResolveProblem(problem_ref);
    if (!problem.ok()) return problem.status();
    return EditInTx(entity::kProgressNote, id,
                    {{"problem_id", *problem}, {"date", date}, {"author", author}, {"text", text}},
                    author);
  });
  if (!st.ok()) return st;
  return id;
}

Result<std::string> Ledger::AddAccountability(const std::string& kind, const std::string& label,
                                              int64_t count, int64_t amount_fen,
                                              const std::string& note, const std::string& author) {
  RECTIFY_RETURN_IF_ERROR(CheckAccountability(kind, label, count, amount_fen));
  std::string id = ids_.NewId();
  Status st = InTx([&]() -> Status {
    auto inspection = EnsureInspection(author);
    if (!inspection.ok()) return inspection.status();
    Fields f = {{"inspection_id", *inspection},
                {"kind", kind},
                {"label", label},
                {"count", count},
                {"amount_fen", amount_fen}};
    if (!note.empty()) f.emplace_back("note", note);
    return EditInTx(entity::kAccountability, id, f, author);
  });
  if (!st.ok()) return st;
  return id;
}

Result<std::string> Ledger::AddNextStep(const std::string& title, const std::string& text,
                                        const std::string& author) {
  if (title.empty() && text.empty()) return Status::InvalidArgument("a next step needs text");
  std::string id = ids_.NewId();
  Status st = InTx([&]() -> Status {
    auto inspection = EnsureInspection(author);
    if (!inspection.ok()) return inspection.status();
    auto ordinal = NextOrdinal(entity::kNextStep, "inspection_id", *inspection);
    if (!ordinal.ok()) return ordinal.status();
    Fields f = {{"inspection_id", *inspection}, {"ordinal", *ordinal}};
    if (!title.empty()) f.emplace_back("title", title);
    if (!text.empty()) f.emplace_back("text", text);
    return EditInTx(entity::kNextStep, id, f, author);
  });
  if (!st.ok()) return st;
  return id;
}

}  // namespace rectify
