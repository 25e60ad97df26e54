#include "client/sync/ledger_sync_store.h"

#include "shared/checkpoint.h"
#include "shared/log_names.h"
#include "shared/merkle.h"

namespace rectify {

namespace {

LocalConflict ToLocal(const protocol::ConflictInfo& c) {
  LocalConflict l;
  l.server_id = std::to_string(c.id);
  l.entity = c.entity;
  l.row_id = c.row_id;
  l.field = c.field;
  l.winner_value = c.winner_value;
  l.winner_author = c.winner_author;
  l.winner_device = c.winner_device;
  l.winner_hlc = Hlc{c.winner_hlc};
  l.loser_value = c.loser_value;
  l.loser_author = c.loser_author;
  l.loser_device = c.loser_device;
  l.loser_hlc = Hlc{c.loser_hlc};
  l.rule = c.rule;
  return l;
}

}  // namespace

LedgerSyncStore::LedgerSyncStore(Ledger& ledger, std::string log_key_name,
                                 std::optional<VerifyingKey> log_key)
    : ledger_(ledger), key_name_(std::move(log_key_name)), key_(std::move(log_key)) {}

std::string LedgerSyncStore::SchoolId() { return ledger_.school_id(); }

Status LedgerSyncStore::AdoptIdentity(const protocol::HelloAck& ack) {
  // A new ledger takes its school and role from the certificate the first
  // time it syncs; afterwards both are fixed and a session of another school
  // or role is refused before anything is written (issue 11, defect 4).
  if (ledger_.school_id() == ack.school_id && RoleName(ledger_.role()) == ack.role) return Status::OK();
  if (!ledger_.school_id().empty())
    return Status::PermissionDenied("this ledger is " + std::string(RoleName(ledger_.role())) + " ledger of school '" +
                                    ledger_.school_id() + "'; the server's session is " + ack.role +
                                    " of school '" + ack.school_id + "'; nothing was changed");
  return ledger_.SetIdentity(ack.school_id, ack.role);
}

std::vector<Op> LedgerSyncStore::PendingOps(size_t limit, uint64_t after_seq) {
  return ledger_.PendingOps(limit, after_seq);
}

Status LedgerSyncStore::ApplyPushResults(const std::vector<Op>& sent,
                                         const std::vector<protocol::OpResult>& results) {
  std::vector<uint64_t> acked, rejected;
  for (size_t i = 0; i < sent.size() && i < results.size(); ++i) {
    if (results[i].outcome == protocol::Outcome::kRejected) {
      rejected.push_back(sent[i].device_seq);
    } else {
      acked.push_back(sent[i].device_seq);
    }
  }
  if (!acked.empty()) RECTIFY_RETURN_IF_ERROR(ledger_.MarkAcked(acked));
  if (!rejected.empty()) RECTIFY_RETURN_IF_ERROR(ledger_.DropRejected(rejected));
  return Status::OK();
}

uint64_t LedgerSyncStore::PullCursor() { return ledger_.pull_cursor(); }

uint64_t LedgerSyncStore::KnownTreeSize() {
  // Derived from the stored checkpoint itself: one source of truth, written
  // in one step, so the two can never disagree after a crash.
  auto note = ledger_.GetMeta(kMetaCheckpoint);
  if (!note || note->empty()) return 0;
  auto text = NoteText(*note);
  if (!text.ok()) return 0;
  auto cp = ParseCheckpointBody(*text);
  return cp.ok() ? cp->size : 0;
}

std::string LedgerSyncStore::HaltReason() { return ledger_.GetMeta(kMetaHalted).value_or(""); }

Status LedgerSyncStore::AcceptCheckpoint(const std::string& note,
                                         const std::vector<std::string>& proof) {
  if (std::string halted = HaltReason(); !halted.empty())
    return Status::Corruption("sync is halted for this ledger: " + halted);
  if (!key_) return Status::Corruption("no district log key (log.pub) to verify the checkpoint");
  auto next = VerifyNote(note, key_name_, *key_);
  if (!next.ok()) return next.status().Annotate("server checkpoint signature");
  const std::string expected_origin = LogOrigin(key_name_, ledger_.school_id());
  if (next->origin != expected_origin)
    return Status::Corruption("checkpoint is for " + next->origin + ", expected " +
                              expected_origin);

  Status verdict = Status::OK();
  if (auto prev_note = ledger_.GetMeta(kMetaCheckpoint); prev_note && !prev_note->empty()) {
    auto prev = VerifyNote(*prev_note, key_name_, *key_);
    if (!prev.ok()) return prev.status().Annotate("stored checkpoint");
    std::vector<Hash> hashes;
    for (const auto& h : proof) {
      if (h.size() != 32) return Status::Corruption("consistency proof hash of wrong length");
      Hash x;
      std::copy(h.begin(), h.end(), x.begin());
      hashes.push_back(x);
    }
    if (next->size < prev->size) {
      verdict = Status::Corruption("the log shrank from " + std::to_string(prev->size) + " to " +
                                   std::to_string(next->size) + " leaves");
    } else if (prev->size > 0) {
      verdict = VerifyConsistency(prev->size, next->size, prev->root, next->root, hashes);
    }
  }
  if (!verdict.ok()) {
    std::string reason =
        "THE DISTRICT SERVER'S HISTORY OF THIS SCHOOL CHANGED: " + verdict.message();
    (void)ledger_.SetMeta(kMetaHalted, reason);
    return Status::Corruption(reason);
  }
  return ledger_.SetMeta(kMetaCheckpoint, note);
}

Status LedgerSyncStore::ApplyPull(const protocol::PullResponse& response) {
  std::vector<Op> ops;
  ops.reserve(response.ops.size());
  for (const auto& so : response.ops) ops.push_back(so.op);
  if (!response.conflicts.empty()) {
    std::vector<LocalConflict> conflicts;
    for (const auto& c : response.conflicts) conflicts.push_back(ToLocal(c));
    RECTIFY_RETURN_IF_ERROR(ledger_.StoreConflicts(conflicts));
  }
  return ledger_.ApplyPulled(ops, response.next_cursor);
}

}  // namespace rectify
