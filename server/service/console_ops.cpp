#include "server/service/console_ops.h"

#include <algorithm>

#include "shared/role.h"
#include "shared/x509_identity.h"
#include "shared/schema.h"

namespace rectify {

ConsoleOps::ConsoleOps(Store& store, protocol::SyncService& sync, const Clock& clock)
    : store_(store), sync_(sync), hlc_(clock) {}

std::string ConsoleOps::DeviceId(const std::string& account) { return "console-" + account; }

Result<std::string> ConsoleOps::ProblemRow(const std::string& school_id, int number) {
  auto txn = store_.BeginRead(school_id);
  if (!txn.ok()) return txn.status();
  auto rows = (*txn)->FindRows(std::string(entity::kProblem), "number", Value{int64_t{number}});
  if (!rows.ok()) return rows.status();
  for (const auto& id : *rows) {
    auto row = (*txn)->ReadRow(std::string(entity::kProblem), id);
    if (!row.ok()) return row.status();
    auto del = row->find("deleted");
    if (del == row->end() || ValueToString(del->second.value) != "1") return id;
  }
  return Status::NotFound("school " + school_id + " has no problem " + std::to_string(number));
}

Result<ActionResult> ConsoleOps::Write(const std::string& account, const std::string& school_id,
                                       const std::string& entity, const std::string& row_id,
                                       const std::vector<std::pair<std::string, Value>>& fields,
                                       const std::string& address) {
  std::lock_guard lock(mu_);
  Op op;
  op.device_id = DeviceId(account);
  op.school_id = school_id;
  op.entity = entity;
  op.row_id = row_id;
  op.author = account;
  op.schema_version = kSchemaVersion;
  {
    auto txn = store_.BeginRead(school_id);
    if (!txn.ok()) return txn.status();
    auto last = (*txn)->LastDeviceSeq(op.device_id);
    if (!last.ok()) return last.status();
    op.device_seq = *last + 1;
    auto row = (*txn)->ReadRow(entity, row_id);
    if (!row.ok()) return row.status();
    // The console has seen what it shows: each field's base is its current
    // stamp, and the op's stamp is above every stamp of the row.
    for (const auto& [name, value] : fields) {
      FieldChange fc{name, value, {}};
      if (auto it = row->find(name); it != row->end()) fc.base = it->second.stamp;
      op.fields.push_back(std::move(fc));
    }
    for (const auto& [name, state] : *row) hlc_.Observe(state.stamp.hlc);
  }
  std::sort(op.fields.begin(), op.fields.end(),
            [](const FieldChange& a, const FieldChange& b) { return a.field < b.field; });
  op.hlc = hlc_.Now();
  protocol::SessionContext ctx;
  ctx.peer.device_id = op.device_id;
  ctx.peer.role = std::string(RoleName(Role::kAuditor));
  ctx.peer.address = address;
  ctx.school_id = school_id;
  ctx.batch_prefix = "console";
  protocol::PushBatch batch;
  batch.batch_id = op.device_id + "-" + std::to_string(op.device_seq);
  batch.ops.push_back(op);
  auto ack = sync_.Push(ctx, batch);
  if (!ack.ok()) return ack.status();
  if (ack->results.size() != 1) return Status::Internal("push answered no result");
  const auto& r = ack->results.front();
  return ActionResult{protocol::OutcomeName(r.outcome), r.reason, r.server_seq};
}

Result<ActionResult> ConsoleOps::Verify(const std::string& account, const std::string& school_id,
                                        int number, const std::string& address) {
  auto row = ProblemRow(school_id, number);
  if (!row.ok()) return row.status();
  return Write(account, school_id, std::string(entity::kProblem), *row,
               {{"status", Value{std::string("verified")}}}, address);
}

Result<ActionResult> ConsoleOps::Reopen(const std::string& account, const std::string& school_id,
                                        int number, const std::string& reason,
                                        const std::string& address) {
  if (reason.empty()) return Status::InvalidArgument("回头看 needs a reason");
  auto row = ProblemRow(school_id, number);
  if (!row.ok()) return row.status();
  return Write(account, school_id, std::string(entity::kProblem), *row,
               {{"status", Value{std::string("in_progress")}},
                {"status_reason", Value{reason}}},
               address);
}

Result<ActionResult> ConsoleOps::ResolveConflict(const std::string& account,
                                                 const std::string& school_id,
                                                 uint64_t conflict_id, const std::string& value,
                                                 const std::string& address) {
  ConflictRecord found;
  {
    auto txn = store_.BeginRead(school_id);
    if (!txn.ok()) return txn.status();
    auto all = (*txn)->ConflictsInRange(0, static_cast<uint64_t>(INT64_MAX));
    if (!all.ok()) return all.status();
    auto it = std::find_if(all->begin(), all->end(),
                           [&](const ConflictRecord& c) { return c.id == conflict_id; });
    if (it == all->end())
      return Status::NotFound("school " + school_id + " has no conflict " +
                              std::to_string(conflict_id));
    found = *it;
  }
  const EntityDef* def = FindEntity(found.entity);
  const FieldDef* field = def ? def->Find(found.field) : nullptr;
  if (!field) return Status::InvalidArgument("conflict names an unknown field");
  Value v{value};
  if (field->type == FieldType::kInt) {
    try {
      size_t used = 0;
      v = Value{int64_t{std::stoll(value, &used)}};
      if (used != value.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return Status::InvalidArgument("'" + value + "' is not an integer");
    }
  }
  return Write(account, school_id, found.entity, found.row_id, {{found.field, v}}, address);
}

}  // namespace rectify
