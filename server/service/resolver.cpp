#include "server/service/resolver.h"

#include <utility>

#include "shared/domain.h"
#include "shared/field_value.h"
#include "shared/limits.h"
#include "shared/role.h"
#include "shared/schema.h"

namespace rectify {

namespace {

using protocol::Outcome;

constexpr const char* kValidationRuleName = "server validation (tenant, schema, status rules)";

Role RoleOf(const protocol::SessionContext& ctx) {
  return ParseRole(ctx.peer.role).value_or(Role::kSchool);
}

// The same check the ledger runs before it writes (shared/field_value.h).
std::optional<std::string> CheckType(const EntityDef& def, const FieldChange& change) {
  const FieldDef* field = def.Find(change.field);
  if (field == nullptr) return "unknown field '" + std::string(def.name) + "." + change.field + "'";
  Status st = CheckFieldValue(def.name, *field, change.value);
  if (!st.ok()) return st.message();
  return std::nullopt;
}

std::optional<std::string> CheckShape(const Op& op, const protocol::SessionContext& ctx) {
  if (op.school_id != ctx.school_id)
    return "tenant: op is for school '" + op.school_id + "' but this session works on '" +
           ctx.school_id + "'";
  if (op.schema_version > kSchemaVersion)
    return "schema version " + std::to_string(op.schema_version) + " is newer than the server's " +
           std::to_string(kSchemaVersion);
  const EntityDef* def = FindEntity(op.entity);
  if (def == nullptr) return "unknown entity '" + op.entity + "'";
  if (op.row_id.empty()) return "empty row id";
  if (op.fields.empty()) return "op changes no field";
  for (size_t i = 0; i < op.fields.size(); ++i) {
    if (i > 0 && !(op.fields[i - 1].field < op.fields[i].field))
      return "fields must be sorted by name and unique ('" + op.fields[i].field + "')";
    if (auto why = CheckType(*def, op.fields[i])) return why;
  }
  return std::nullopt;
}

ProblemStatus CurrentStatus(const RowState& row) {
  auto it = row.find("status");
  if (it == row.end()) return ProblemStatus::kNotStarted;
  return ParseStatus(ValueToString(it->second.value)).value_or(ProblemStatus::kNotStarted);
}

// "N" from the stored or incoming problem number, else the row id.
std::string ProblemName(const Op& op, const RowState& row) {
  auto it = row.find("number");
  if (it != row.end() && !IsNull(it->second.value)) return ValueToString(it->second.value);
  if (const FieldChange* f = op.Find("number"); f && !IsNull(f->value))
    return ValueToString(f->value);
  return op.row_id;
}

// docs/design.md §2, the rule the ledger applies too (shared/domain.h).
std::optional<std::string> CheckStatusRules(const Op& op, const protocol::SessionContext& ctx,
                                            const RowState& row) {
  const ProblemStatus current = CurrentStatus(row);
  const std::string name = ProblemName(op, row);
  const FieldChange* status = op.Find("status");
  if (status == nullptr) return CheckProblemEdit(RoleOf(ctx), current, name);
  auto next = ParseStatus(ValueToString(status->value));
  if (!next) return "unknown status '" + ValueToString(status->value) + "'";
  const FieldChange* reason = op.Find("status_reason");
  return CheckStatusChange(RoleOf(ctx), current, *next,
                           reason ? ValueToString(reason->value) : std::string(), name);
}

AuditLeaf BaseLeaf(const protocol::SessionContext& ctx, const std::string& batch_id, const Op& op,
                   int64_t now_ms) {
  AuditLeaf leaf;
  leaf.school_id = ctx.school_id;
  leaf.device_id = ctx.peer.device_id;
  leaf.role = ctx.peer.role;
  leaf.author = op.author;
  leaf.peer = ctx.peer.address;
  leaf.batch_id = batch_id;
  leaf.device_seq = op.device_seq;
  leaf.device_hlc = op.hlc.raw;
  leaf.server_time_ms = static_cast<uint64_t>(now_ms);
  leaf.op_bytes = EncodeOp(op);
  return leaf;
}

}  // namespace

Resolver::Resolver(const Clock& clock, ResolverOptions options) : options_(options), hlc_(clock) {}

Hlc Resolver::ServerStamp() {
  std::lock_guard<std::mutex> g(hlc_mu_);
  return hlc_.Now();
}

std::optional<std::string> Resolver::Validate(const Op& op, const protocol::SessionContext& ctx,
                                              const RowState& row) {
  if (auto why = CheckShape(op, ctx)) return why;
  if (op.entity == entity::kProblem) return CheckStatusRules(op, ctx, row);
  return std::nullopt;
}

Status Resolver::CheckChain(SchoolTxn& txn, const protocol::SessionContext& ctx,
                            const std::vector<Op>& ops, uint64_t* stored_up_to) {
  *stored_up_to = 0;
  if (ops.empty()) return Status::OK();
  // A batch holds the ops of one ledger. Its device id is bound to the first
  // certificate that pushes it (a clerk may work for weeks before the device
  // is enrolled), and no other certificate may ever speak for it.
  const std::string& device = ops.front().device_id;
  for (const Op& op : ops) {
    if (op.device_id != device)
      return Status::InvalidArgument("a batch mixes ops of devices '" + device + "' and '" +
                                     op.device_id + "'");
  }
  auto bound = txn.BoundCertificate(device);
  if (!bound.ok()) return bound.status();
  if (!bound->has_value()) {
    RECTIFY_RETURN_IF_ERROR(txn.BindDevice(device, ctx.peer.device_id));
  } else if (**bound != ctx.peer.device_id) {
    return Status::PermissionDenied("ops of ledger device '" + device +
                                    "' belong to certificate '" + **bound + "', not '" +
                                    ctx.peer.device_id + "'");
  }
  auto last = txn.LastDeviceSeq(device);
  if (!last.ok()) return last.status();
  *stored_up_to = *last;
  // Validated up front so that a refused batch stores nothing; ops at or
  // below the chain's end are replays, answered from the store later.
  uint64_t next = *last + 1;
  for (const Op& op : ops) {
    if (op.device_seq == 0) return Status::InvalidArgument("device_seq starts at 1");
    // Refused whole, not logged: a leaf of that size would break every
    // answer that carries it (docs/protocol.md "Limits").
    if (auto too_large = OpTooLarge(op)) return Status::InvalidArgument(*too_large);
    if (op.device_seq < next) {
      if (op.device_seq > *last) continue;  // repeated inside this batch
      RECTIFY_RETURN_IF_ERROR(CheckReplay(txn, op));
      continue;
    }
    if (op.device_seq != next)
      return Status::InvalidArgument("gap: expected seq " + std::to_string(next) + ", got " +
                                     std::to_string(op.device_seq));
    ++next;
  }
  return Status::OK();
}

Status Resolver::CheckReplay(SchoolTxn& txn, const Op& op) {
  auto stored = txn.FindOp(op.device_id, op.device_seq);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value())
    return Status::Corruption("seq " + std::to_string(op.device_seq) + " of device " +
                              op.device_id + " is below the stored chain but not stored");
  // The stored hlc may have been clamped; everything else must match, or the
  // device reused a seq (its outbox was reset) and acknowledging the old
  // result would make it drop an op nobody stored.
  Op stored_op = (*stored)->op;
  stored_op.hlc = op.hlc;
  if (!(stored_op == op))
    return Status::InvalidArgument("device " + op.device_id + " reused seq " +
                                   std::to_string(op.device_seq) +
                                   " for a different op (was its ledger reset?)");
  return Status::OK();
}

Result<std::vector<protocol::OpResult>> Resolver::ResolveBatch(SchoolTxn& txn,
                                                               const protocol::SessionContext& ctx,
                                                               const std::string& batch_id,
                                                               const std::vector<Op>& ops,
                                                               int64_t now_ms, LeafSink& sink) {
  uint64_t stored_up_to = 0;
  RECTIFY_RETURN_IF_ERROR(CheckChain(txn, ctx, ops, &stored_up_to));
  std::vector<protocol::OpResult> results;
  results.reserve(ops.size());
  for (const Op& op : ops) {
    // CheckChain proved the seqs above the stored chain contiguous, so the
    // first sight of each is new: no lookup needed.
    const bool is_new = op.device_seq > stored_up_to;
    auto r = ResolveOne(txn, ctx, batch_id, op, now_ms, sink, is_new);
    if (!r.ok()) return r.status();
    if (is_new) stored_up_to = op.device_seq;
    results.push_back(std::move(*r));
  }
  return results;
}

Result<protocol::OpResult> Resolver::ResolveOne(SchoolTxn& txn, const protocol::SessionContext& ctx,
                                                const std::string& batch_id, const Op& op,
                                                int64_t now_ms, LeafSink& sink, bool is_new) {
  if (!is_new) {
    auto stored = txn.FindOp(op.device_id, op.device_seq);
    if (!stored.ok()) return stored.status();
    if (stored->has_value()) {  // replay: exactly once in the log, reported as a replay
      protocol::OpResult result = (*stored)->result;
      result.replayed = true;
      return result;
    }
  }

  auto row = txn.ReadRow(op.entity, op.row_id);
  if (!row.ok()) return row.status();
  AuditLeaf leaf = BaseLeaf(ctx, batch_id, op, now_ms);
  StoredOp record{op, {}, now_ms};
  record.result.device_seq = op.device_seq;

  if (auto why = Validate(op, ctx, *row)) {
    record.result.outcome = Outcome::kRejected;
    record.result.reason = *why;
    leaf.outcome = protocol::OutcomeName(Outcome::kRejected);
    leaf.reason = *why;
    leaf.rule = kValidationRuleName;
    auto index = sink.Append(leaf);
    if (!index.ok()) return index.status();
    record.result.leaf_index = *index;
    RECTIFY_RETURN_IF_ERROR(txn.AppendOp(record));
    return record.result;
  }

  std::string reason;
  if (op.hlc.millis() > now_ms + options_.max_skew_ms) {
    // A PC whose clock is far ahead would otherwise win every later conflict.
    record.op.hlc = ServerStamp();
    leaf.clamped_from_hlc = op.hlc.raw;
    reason = "clock clamped: device stamp " + op.hlc.ToString() +
             " is ahead of server time; "
             "stored as " +
             record.op.hlc.ToString();
  }
  MergeResult merged = MergeOp(*row, record.op);
  const bool won = merged.any_won();
  if (!won) reason = reason.empty() ? "superseded by a newer write" : reason;
  auto seq = txn.NextServerSeq();
  if (!seq.ok()) return seq.status();
  record.result.outcome = won ? Outcome::kApplied : Outcome::kSuperseded;
  record.result.reason = reason;
  record.result.server_seq = *seq;
  leaf.outcome = protocol::OutcomeName(record.result.outcome);
  // The leaf keeps the clamp in clamped_from_hlc; its reason is for losers only.
  if (!won) leaf.reason = reason;
  leaf.rule = kMergeRuleName;
  auto index = sink.Append(leaf);
  if (!index.ok()) return index.status();
  record.result.leaf_index = *index;
  RECTIFY_RETURN_IF_ERROR(txn.AppendOp(record));

  RowState changed;
  for (size_t i = 0; i < record.op.fields.size(); ++i) {
    if (merged.outcomes[i] != FieldOutcome::kWon) continue;
    const std::string& name = record.op.fields[i].field;
    changed.emplace(name, row->at(name));
  }
  if (!changed.empty()) RECTIFY_RETURN_IF_ERROR(txn.WriteFields(op.entity, op.row_id, changed));
  for (const FieldConflict& c : merged.conflicts) {
    ConflictRecord rec{0, *seq, op.entity, op.row_id, c.field, c.winner, c.loser, kMergeRuleName};
    auto id = txn.AppendConflict(rec);
    if (!id.ok()) return id.status();
  }
  return record.result;
}

}  // namespace rectify
