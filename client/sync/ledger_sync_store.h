// LedgerSyncStore: the protocol's ClientStore over a school's Ledger. Keeps
// the pull cursor, the last verified log checkpoint and server-reported
// conflicts in the ledger file, each step in its own durable transaction.
//
// Checkpoints: every pull answer's signed checkpoint is verified with the
// district's log key (from the identity directory) and, when the ledger
// already holds one, by the consistency proof from it. A failure halts sync
// for this ledger (meta "sync.halted") until an operator looks into it:
// the district's history of this school changed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "client/ledger/ledger.h"
#include "protocol/client_session.h"
#include "shared/ed25519.h"

namespace rectify {

class LedgerSyncStore final : public protocol::ClientStore {
 public:
  // `ledger` must outlive this object. `log_key_name`/`log_key` verify the
  // checkpoints; with no key, checkpoints are refused (Corruption).
  LedgerSyncStore(Ledger& ledger, std::string log_key_name, std::optional<VerifyingKey> log_key);

  std::string SchoolId() override;
  Status AdoptIdentity(const protocol::HelloAck& ack) override;
  std::vector<Op> PendingOps(size_t limit, uint64_t after_seq) override;
  Status ApplyPushResults(const std::vector<Op>& sent,
                          const std::vector<protocol::OpResult>& results) override;
  uint64_t PullCursor() override;
  uint64_t KnownTreeSize() override;
  Status AcceptCheckpoint(const std::string& note, const std::vector<std::string>& proof) override;
  Status ApplyPull(const protocol::PullResponse& response) override;

  // Non-empty when an earlier sync found the server's history changed.
  std::string HaltReason();

 private:
  Ledger& ledger_;
  std::string key_name_;
  std::optional<VerifyingKey> key_;
};

// Meta keys kept in the ledger by the sync client.
inline constexpr const char* kMetaCheckpoint = "sync.checkpoint";
inline constexpr const char* kMetaHalted = "sync.halted";

}  // namespace rectify
