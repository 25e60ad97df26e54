#include "server/service/sync_service_impl.h"

#include <algorithm>
#include <utility>

#include "server/service/audit_query.h"
#include "shared/role.h"
#include "shared/checkpoint.h"

namespace rectify {

namespace {


std::string Who(const protocol::SessionContext& ctx) {
  return "device " + ctx.peer.device_id + " (" + ctx.peer.role + ") from " + ctx.peer.address;
}

std::vector<std::string> HashStrings(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  out.reserve(hashes.size());
  for (const auto& h : hashes) out.push_back(HashBytes(h));
  return out;
}

}  // namespace

SyncServiceImpl::SyncServiceImpl(Store& store, SigningKey log_key, const Clock& clock,
                                 SyncServiceOptions options)
    : store_(store),
      log_key_(std::move(log_key)),
      clock_(clock),
      options_(std::move(options)),
      resolver_(clock, ResolverOptions{options_.max_skew_ms}) {}

void SyncServiceImpl::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

std::string SyncServiceImpl::VerifierKey() const {
  return VerifierKeyString(options_.log_name, log_key_.PublicKeyRaw());
}

Status SyncServiceImpl::Admit(const protocol::SessionContext& ctx) {
  if (options_.is_revoked && options_.is_revoked(ctx.peer.device_id)) {
    if (refusals_.First("revoked " + ctx.peer.device_id)) Log("refused revoked " + Who(ctx));
    return Status::PermissionDenied("device " + ctx.peer.device_id + " is revoked");
  }
  if (ctx.school_id.empty()) return Status::InvalidArgument("no school named for this session");
  const auto role = ParseRole(ctx.peer.role);
  if (role == Role::kAuditor) return Status::OK();  // any school
  if (!role) {
    if (refusals_.First("role " + ctx.peer.device_id))
      Log("refused " + Who(ctx) + ": unknown role");
    return Status::PermissionDenied("unknown role '" + ctx.peer.role + "'");
  }
  if (ctx.peer.school_id != ctx.school_id) {
    if (refusals_.First("school " + ctx.peer.device_id + " " + ctx.school_id))
      Log("refused " + Who(ctx) + " of school " + ctx.peer.school_id + " asking for school " +
          ctx.school_id);
    return Status::PermissionDenied("device " + ctx.peer.device_id + " belongs to school " +
                                    ctx.peer.school_id + ", not " + ctx.school_id);
  }
  return Status::OK();
}

Result<protocol::PushAck> SyncServiceImpl::Push(const protocol::SessionContext& ctx,
                                                const protocol::PushBatch& batch) {
  RECTIFY_RETURN_IF_ERROR(Admit(ctx));
  auto txn = store_.Begin(ctx.school_id);
  if (!txn.ok()) return txn.status();
  auto log = AuditLog::Open(**txn);
  if (!log.ok()) return log.status();
  const std::string batch_id =
      ctx.batch_prefix.empty() ? batch.batch_id : ctx.batch_prefix + "/" + batch.batch_id;
  const int64_t now = clock_.NowMillis();
  auto results = resolver_.ResolveBatch(**txn, ctx, batch_id, batch.ops, now, **log);
  if (!results.ok()) {
    Log("refused batch " + batch_id + " of " + Who(ctx) + ": " + results.status().ToString());
    return results.status();
  }
  RECTIFY_RETURN_IF_ERROR((*log)->SignCheckpoint(log_key_, options_.log_name));
  // Durable before the answer: the client drops its outbox on this ack.
  RECTIFY_RETURN_IF_ERROR((*txn)->Commit());
  for (const auto& r : *results)
    if (r.reason.starts_with("clock clamped"))
      Log("clamped clock of " + Who(ctx) + " seq " + std::to_string(r.device_seq) + ": " +
          r.reason);
  protocol::PushAck ack;
  ack.batch_id = batch.batch_id;
  ack.results = std::move(*results);
  return ack;
}

Result<protocol::PullResponse> SyncServiceImpl::Pull(const protocol::SessionContext& ctx,
                                                     const protocol::PullRequest& req) {
  RECTIFY_RETURN_IF_ERROR(Admit(ctx));
  auto txn = store_.BeginRead(ctx.school_id);
  if (!txn.ok()) return txn.status();
  const uint32_t limit = std::clamp<uint32_t>(req.limit, 1, options_.max_pull_limit);
  auto ops = (*txn)->OpsAfter(req.cursor, limit);
  if (!ops.ok()) return ops.status();
  size_t bytes = 0, keep = 0;
  for (; keep < ops->size(); ++keep) {
    bytes += EncodeOp((*ops)[keep].op).size();
    if (keep > 0 && bytes > options_.pull_byte_budget) break;
  }
  ops->erase(ops->begin() + static_cast<std::ptrdiff_t>(keep), ops->end());
  auto last = (*txn)->LastServerSeq();
  if (!last.ok()) return last.status();
  protocol::PullResponse resp;
  resp.from_cursor = req.cursor;
  resp.proof_from_size = req.known_tree_size;
  resp.next_cursor = ops->empty() ? req.cursor : ops->back().result.server_seq;
  resp.more = resp.next_cursor < *last;
  for (auto& s : *ops) resp.ops.push_back({s.result.server_seq, std::move(s.op)});
  auto conflicts = (*txn)->ConflictsInRange(req.cursor, resp.next_cursor);
  if (!conflicts.ok()) return conflicts.status();
  for (const auto& c : *conflicts) {
    resp.conflicts.push_back({c.id, c.entity, c.row_id, c.field, c.winner.value, c.winner.author,
                              c.winner.stamp.device_id, c.winner.stamp.hlc.raw, c.loser.value,
                              c.loser.author, c.loser.stamp.device_id, c.loser.stamp.hlc.raw,
                              c.rule});
  }
  auto cp = (*txn)->LatestCheckpoint();
  if (!cp.ok()) return cp.status();
  const uint64_t size = cp->has_value() ? (*cp)->size : 0;
  if (req.known_tree_size > size) {
    Log("client ahead of server log: " + Who(ctx) + " knows size " +
        std::to_string(req.known_tree_size) + ", server has " + std::to_string(size));
    return Status::Corruption("client knows a log of " + std::to_string(req.known_tree_size) +
                              " leaves but the server has " + std::to_string(size) +
                              ": history was rewritten");
  }
  if (cp->has_value()) {
    resp.checkpoint = (*cp)->note;
    auto log = AuditLog::Open(**txn);
    if (!log.ok()) return log.status();
    auto proof = (*log)->ConsistencyProof(req.known_tree_size, size);
    if (!proof.ok()) return proof.status();
    resp.consistency_proof = HashStrings(*proof);
  }
  return resp;
}

Result<protocol::ProofResponse> SyncServiceImpl::Proof(const protocol::SessionContext& ctx,
                                                       const protocol::ProofRequest& q) {
  // Admit pins a school device to its own school, so the proof is always of
  // the caller's log (auditors: of the school they named).
  RECTIFY_RETURN_IF_ERROR(Admit(ctx));
  auto txn = store_.BeginRead(ctx.school_id);
  if (!txn.ok()) return txn.status();
  auto cp = (*txn)->LatestCheckpoint();
  if (!cp.ok()) return cp.status();
  if (!cp->has_value()) return Status::NotFound("school " + ctx.school_id + " has no log yet");
  // The proof is always against the latest signed checkpoint, which the
  // answer carries, so the client can check both in one go.
  if (q.tree_size != 0 && q.tree_size != (*cp)->size)
    return Status::InvalidArgument("proofs are served against the latest checkpoint (size " +
                                   std::to_string((*cp)->size) + ")");
  const uint64_t size = (*cp)->size;
  uint64_t index = q.leaf_index;
  if (q.device_seq > 0) {
    auto op = (*txn)->FindOp(q.device_id, q.device_seq);
    if (!op.ok()) return op.status();
    if (!op->has_value())
      return Status::NotFound("the server has no op " + std::to_string(q.device_seq) +
                              " of device " + q.device_id);
    index = (*op)->result.leaf_index;
  }
  if (index >= size)
    return Status::InvalidArgument("no leaf " + std::to_string(index) + " in a tree of " +
                                   std::to_string(size));
  auto leaf = (*txn)->ReadLeaves(index, 1);
  if (!leaf.ok()) return leaf.status();
  if (leaf->size() != 1) return Status::Corruption("leaf " + std::to_string(index) + " is missing");
  auto log = AuditLog::Open(**txn);
  if (!log.ok()) return log.status();
  auto proof = (*log)->InclusionProof(index, size);
  if (!proof.ok()) return proof.status();
  protocol::ProofResponse resp;
  resp.leaf_index = index;
  resp.leaf = std::move((*leaf)[0]);
  resp.proof = HashStrings(*proof);
  resp.checkpoint = (*cp)->note;
  return resp;
}

Result<protocol::AuditResponse> SyncServiceImpl::Audit(const protocol::SessionContext& ctx,
                                                       const protocol::AuditQuery& q) {
  RECTIFY_RETURN_IF_ERROR(Admit(ctx));
  if (ParseRole(ctx.peer.role) != Role::kAuditor) {
    Log("refused audit query '" + q.kind + "' from " + Who(ctx));
    return Status::PermissionDenied("audit queries are for auditors");
  }
  const std::string& school = q.school_id.empty() ? ctx.school_id : q.school_id;
  auto txn = store_.BeginRead(school);
  if (!txn.ok()) return txn.status();
  AuditQueryContext actx{VerifierKey(), options_.utc_offset_minutes};
  return RunAuditQuery(**txn, q, actx);
}

Status SyncServiceImpl::CheckEvidenceAccess(const protocol::SessionContext& ctx,
                                            const std::string& sha256) {
  if (!options_.evidence) return Status::Unavailable("evidence not supported by this server");
  auto txn = store_.BeginRead(ctx.school_id);
  if (!txn.ok()) return txn.status();
  auto rows = (*txn)->FindRows("evidence", "sha256", Value(sha256));
  if (!rows.ok()) return rows.status();
  if (!rows->empty()) return Status::OK();
  // Holding a blob is no licence to read it: only the schools whose ledger
  // records it may (dedupe across schools must not leak across them).
  Log("refused evidence " + sha256 + " to " + Who(ctx) + ": not in school " + ctx.school_id);
  return Status::PermissionDenied("evidence " + sha256 + " is not recorded in school " +
                                  ctx.school_id);
}

Result<protocol::EvidenceState> SyncServiceImpl::QueryEvidence(const protocol::SessionContext& ctx,
                                                               const protocol::EvidenceQuery& q) {
  RECTIFY_RETURN_IF_ERROR(Admit(ctx));
  if (!options_.evidence) return Status::Unavailable("evidence not supported by this server");
  if (q.sha256.size() > 100000) return Status::InvalidArgument("too many hashes in one query");
  protocol::EvidenceState state;
  for (const auto& sha : q.sha256) {
    bool complete = false;
    uint64_t held = 0;
    // An unrecorded hash reads as absent rather than failing the whole query.
    if (CheckEvidenceAccess(ctx, sha).ok()) held = options_.evidence->Held(sha, &complete);
    state.held.push_back(held);
    state.complete.push_back(complete ? 1 : 0);
  }
  return state;
}

Result<protocol::ChunkAck> SyncServiceImpl::PutEvidenceChunk(const protocol::SessionContext& ctx,
                                                             const protocol::ChunkPut& put) {
  RECTIFY_RETURN_IF_ERROR(Admit(ctx));
  RECTIFY_RETURN_IF_ERROR(CheckEvidenceAccess(ctx, put.sha256));
  auto ack = options_.evidence->Put(put);
  if (!ack.ok()) Log("evidence upload by " + Who(ctx) + " refused: " + ack.status().message());
  return ack;
}

Result<protocol::ChunkData> SyncServiceImpl::GetEvidenceChunk(const protocol::SessionContext& ctx,
                                                              const protocol::ChunkGet& get) {
  RECTIFY_RETURN_IF_ERROR(Admit(ctx));
  RECTIFY_RETURN_IF_ERROR(CheckEvidenceAccess(ctx, get.sha256));
  return options_.evidence->Get(get);
}

}  // namespace rectify
