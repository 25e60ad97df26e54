#include "client/ledger/ledger_history.h"

#include <algorithm>
#include <map>
#include <set>

#include "shared/domain.h"
#include "shared/schema.h"

namespace rectify {

namespace {

struct OutboxOp {
  Op op;
  bool pending = false;
};

Status ReadOps(Statement& stmt, std::vector<OutboxOp>* out) {
  for (;;) {
    auto more = stmt.Step();
    if (!more.ok()) return more.status();
    if (!*more) return Status::OK();
    OutboxOp o;
    if (!DecodeOp(stmt.ColumnBlob(0), &o.op)) return Status::Corruption("undecodable op in outbox");
    o.pending = stmt.ColumnText(1) == "pending";
    out->push_back(std::move(o));
  }
}

// Every outbox op of one row, in device_seq order.
Result<std::vector<OutboxOp>> RowOps(Ledger& ledger, const std::string& entity,
                                     const std::string& row_id) {
  auto stmt = ledger.db().Prepare(
      "SELECT op, state FROM outbox WHERE entity = ?1 AND row_id = ?2 ORDER BY device_seq");
  if (!stmt.ok()) return stmt.status();
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, entity));
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(2, row_id));
  std::vector<OutboxOp> ops;
  RECTIFY_RETURN_IF_ERROR(ReadOps(*stmt, &ops));
  return ops;
}

Result<RowState> CanonRow(Ledger& ledger, const std::string& entity, const std::string& row_id) {
  auto stmt = ledger.db().Prepare(
      "SELECT field, value, hlc, device_id, author FROM canon_field WHERE entity = ?1 AND "
      "row_id = ?2");
  if (!stmt.ok()) return stmt.status();
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, entity));
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(2, row_id));
  RowState row;
  for (;;) {
    auto more = stmt->Step();
    if (!more.ok()) return more.status();
    if (!*more) return row;
    row[stmt->ColumnText(0)] =
        FieldState{stmt->ColumnValue(1),
                   Stamp{Hlc{static_cast<uint64_t>(stmt->ColumnInt(2))}, stmt->ColumnText(3)},
                   stmt->ColumnText(4)};
  }
}

HistoryEntry EntryOf(const Op& op, bool pending) {
  HistoryEntry e;
  e.device_seq = op.device_seq;
  e.entity = op.entity;
  e.row_id = op.row_id;
  e.author = op.author;
  e.device_id = op.device_id;
  e.hlc = op.hlc;
  e.pending = pending;
  for (const auto& f : op.fields) e.fields.emplace_back(f.field, ValueToString(f.value));
  return e;
}

bool Touches(const Op& later, const Op& op) {
  for (const auto& f : op.fields)
    if (later.Find(f.field)) return true;
  return false;
}

}  // namespace

Result<ProblemHistory> LoadProblemHistory(Ledger& ledger, const std::string& problem_ref) {
  auto id = ledger.ResolveProblem(problem_ref);
  if (!id.ok()) return id.status();
  auto stmt = ledger.db().Prepare(
      "SELECT op, state FROM outbox WHERE (entity = 'problem' AND row_id = ?1) OR "
      "(entity = 'measure' AND row_id IN (SELECT id FROM measure WHERE problem_id = ?1)) OR "
      "(entity = 'progress_note' AND row_id IN (SELECT id FROM progress_note WHERE problem_id = "
      "?1)) OR (entity = 'evidence' AND row_id IN (SELECT id FROM evidence WHERE problem_id = "
      "?1)) ORDER BY device_seq");
  if (!stmt.ok()) return stmt.status();
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, *id));
  std::vector<OutboxOp> ops;
  RECTIFY_RETURN_IF_ERROR(ReadOps(*stmt, &ops));
  ProblemHistory h;
  for (size_t i = ops.size(); i-- > 0;) {
    HistoryEntry e = EntryOf(ops[i].op, ops[i].pending);
    e.undoable = ops[i].pending;
    for (size_t j = i + 1; j < ops.size() && e.undoable; ++j)
      if (ops[j].op.entity == ops[i].op.entity && ops[j].op.row_id == ops[i].op.row_id &&
          Touches(ops[j].op, ops[i].op))
        e.undoable = false;
    h.local.push_back(std::move(e));
  }
  auto canon = CanonRow(ledger, std::string(entity::kProblem), *id);
  if (!canon.ok()) return canon.status();
  for (const auto& [field, state] : *canon) {
    HistoryEntry e;
    e.entity = std::string(entity::kProblem);
    e.row_id = *id;
    e.author = state.author;
    e.device_id = state.stamp.device_id;
    e.hlc = state.stamp.hlc;
    e.fields.emplace_back(field, ValueToString(state.value));
    h.confirmed.push_back(std::move(e));
  }
  std::stable_sort(h.confirmed.begin(), h.confirmed.end(),
                   [](const HistoryEntry& a, const HistoryEntry& b) { return b.hlc < a.hlc; });
  return h;
}

namespace {

// The problem a row belongs to ("" if none): the row itself or its problem_id.
std::string ParentProblem(Ledger& ledger, const Op& op) {
  if (op.entity == entity::kProblem) return op.row_id;
  auto row = ledger.GetRow(op.entity, op.row_id);
  if (!row) return "";
  auto it = row->find("problem_id");
  return it == row->end() ? "" : ValueToString(it->second);
}

Status RestoreFields(Ledger& ledger, const Op& op, Fields fields, const std::string& author) {
  if (op.entity != entity::kProblem) {
    // The parent problem's rule (a verified problem is the district's) first.
    const std::string problem = ParentProblem(ledger, op);
    if (!problem.empty()) {
      auto p = ledger.GetProblem(problem);
      if (!p.ok()) return p.status();
      if (auto why = CheckProblemEdit(ledger.role(), p->status, std::to_string(p->number)))
        return Status::PermissionDenied(*why);
    }
    return ledger.Edit(op.entity, op.row_id, std::move(fields), author);
  }
  Fields plain;
  std::optional<std::string> status;
  for (auto& [name, value] : fields) {
    if (name == "status") {
      status = IsNull(value) ? std::string(StatusCode(ProblemStatus::kNotStarted))
                             : ValueToString(value);
    } else if (name != "status_reason" && name != "inspection_id") {
      plain.emplace_back(name, std::move(value));
    }
  }
  if (!plain.empty()) RECTIFY_RETURN_IF_ERROR(ledger.EditProblem(op.row_id, plain, author));
  if (status) RECTIFY_RETURN_IF_ERROR(ledger.SetProblemStatus(op.row_id, *status, "", author));
  return Status::OK();
}

}  // namespace

Status UndoPendingOp(Ledger& ledger, uint64_t device_seq, const std::string& author) {
  auto find = ledger.db().Prepare("SELECT entity, row_id FROM outbox WHERE device_seq = ?1");
  if (!find.ok()) return find.status();
  RECTIFY_RETURN_IF_ERROR(find->Bind(1, static_cast<int64_t>(device_seq)));
  auto found = find->Step();
  if (!found.ok()) return found.status();
  if (!*found) return Status::NotFound("no local edit #" + std::to_string(device_seq));
  const std::string entity = find->ColumnText(0), row_id = find->ColumnText(1);
  auto ops = RowOps(ledger, entity, row_id);
  if (!ops.ok()) return ops.status();
  auto canon = CanonRow(ledger, entity, row_id);
  if (!canon.ok()) return canon.status();
  RowState before = std::move(*canon);
  const Op* target = nullptr;
  for (const auto& o : *ops) {
    if (target) {
      if (Touches(o.op, *target))
        return Status::FailedPrecondition("a later edit #" + std::to_string(o.op.device_seq) +
                                          " changed the same fields: undo that first");
      continue;
    }
    if (o.op.device_seq == device_seq) {
      if (!o.pending)
        return Status::FailedPrecondition("edit #" + std::to_string(device_seq) +
                                          " was already sent to the district");
      target = &o.op;
      continue;
    }
    MergeOp(before, o.op);
  }
  if (!target) return Status::NotFound("no local edit #" + std::to_string(device_seq));
  Fields fields;
  if (before.empty()) {
    // The op created the row: the undo deletes it.
    fields.emplace_back(std::string(kDeletedField), int64_t{1});
  } else {
    for (const auto& f : target->fields) {
      auto it = before.find(f.field);
      fields.emplace_back(f.field, it == before.end() ? Value{} : it->second.value);
    }
  }
  auto tx = Transaction::Begin(ledger.db());
  if (!tx.ok()) return tx.status();
  RECTIFY_RETURN_IF_ERROR(RestoreFields(ledger, *target, std::move(fields), author));
  return tx->Commit();
}

Result<std::vector<NoteEntry>> ListProgressNotes(Ledger& ledger, const std::string& problem_ref) {
  auto id = ledger.ResolveProblem(problem_ref);
  if (!id.ok()) return id.status();
  auto stmt = ledger.db().Prepare(
      "SELECT id, date, author, text FROM progress_note WHERE problem_id = ?1 AND deleted = 0 "
      "ORDER BY date, id");
  if (!stmt.ok()) return stmt.status();
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, *id));
  std::vector<NoteEntry> out;
  for (;;) {
    auto more = stmt->Step();
    if (!more.ok()) return more.status();
    if (!*more) return out;
    out.push_back(
        {stmt->ColumnText(0), stmt->ColumnText(1), stmt->ColumnText(2), stmt->ColumnText(3)});
  }
}

uint64_t ConfirmedHighWater(Ledger& ledger) {
  auto stmt = ledger.db().Prepare("SELECT COALESCE(MAX(hlc), 0) FROM canon_field");
  if (!stmt.ok()) return 0;
  auto row = stmt->Step();
  return row.ok() && *row ? static_cast<uint64_t>(stmt->ColumnInt(0)) : 0;
}

Result<std::vector<HistoryEntry>> ForeignProblemChanges(Ledger& ledger, uint64_t after_hlc) {
  auto stmt = ledger.db().Prepare(
      "SELECT row_id, field, value, hlc, device_id, author FROM canon_field WHERE entity = "
      "'problem' AND hlc > ?1 AND device_id <> ?2 AND field IN ('number', 'title', 'status', "
      "'status_reason') ORDER BY hlc DESC, row_id, field");
  if (!stmt.ok()) return stmt.status();
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(1, static_cast<int64_t>(after_hlc)));
  RECTIFY_RETURN_IF_ERROR(stmt->Bind(2, ledger.device_id()));
  std::vector<HistoryEntry> out;
  std::map<std::string, size_t> index;
  for (;;) {
    auto more = stmt->Step();
    if (!more.ok()) return more.status();
    if (!*more) return out;
    const std::string row = stmt->ColumnText(0);
    auto [it, fresh] = index.emplace(row, out.size());
    if (fresh) {
      HistoryEntry e;
      e.entity = std::string(entity::kProblem);
      e.row_id = row;
      e.hlc = Hlc{static_cast<uint64_t>(stmt->ColumnInt(3))};
      e.device_id = stmt->ColumnText(4);
      e.author = stmt->ColumnText(5);
      out.push_back(std::move(e));
    }
    out[it->second].fields.emplace_back(stmt->ColumnText(1), ValueToString(stmt->ColumnValue(2)));
  }
}

}  // namespace rectify
