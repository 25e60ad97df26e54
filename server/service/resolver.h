// The server's decision on every pushed op (docs/design.md §4 "The server
// decides"): replay detection, identity and gap checks, validation (tenant,
// schema, the problem status state machine), clock clamping, and the merge
// (shared/merge.h MergeOp, the one rule). Every op received becomes exactly
// one audit leaf, handed to a LeafSink.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "protocol/messages.h"
#include "protocol/sync_service.h"
#include "server/storage/store.h"
#include "shared/audit_leaf.h"
#include "shared/clock.h"
#include "shared/hlc.h"
#include "shared/merge.h"

namespace rectify {

// Receives the audit leaf of every op the resolver decides on, in order.
class LeafSink {
 public:
  virtual ~LeafSink() = default;
  // Appends `leaf` (its index field is ignored) and returns the index given.
  virtual Result<uint64_t> Append(const AuditLeaf& leaf) = 0;
};

struct ResolverOptions {
  // A device stamp further ahead of the server's time than this is replaced
  // by a server stamp (and the leaf records the original).
  int64_t max_skew_ms = 5 * 60 * 1000;
};

class Resolver {
 public:
  // `clock` must outlive the resolver; it drives the server HLC used for clamping.
  explicit Resolver(const Clock& clock, ResolverOptions options = {});

  // Decides every op of one batch inside `txn` (a write unit of work of
  // ctx.school_id) and returns one result per op, same order. Does not commit.
  // Errors refuse the whole batch and the caller must discard `txn`:
  //   PermissionDenied  an op's device_id is not the certificate's device;
  //   InvalidArgument   a gap in the device_seq chain ("gap: expected seq N, got M"),
  //                     or a stored seq resent with a different op;
  //   anything else     the store failed.
  // Thread-safe (the server HLC is guarded); `txn` belongs to the caller.
  Result<std::vector<protocol::OpResult>> ResolveBatch(SchoolTxn& txn,
                                                       const protocol::SessionContext& ctx,
                                                       const std::string& batch_id,
                                                       const std::vector<Op>& ops, int64_t now_ms,
                                                       LeafSink& sink);

  // The reason a validated op is rejected, or nullopt if it is acceptable.
  // `row` is the stored state of the op's row. Pure; exposed for tests.
  static std::optional<std::string> Validate(const Op& op, const protocol::SessionContext& ctx,
                                             const RowState& row);

 private:
  Status CheckReplay(SchoolTxn& txn, const Op& op);
  // On success `*stored_up_to` is the highest device_seq already stored.
  Status CheckChain(SchoolTxn& txn, const protocol::SessionContext& ctx, const std::vector<Op>& ops,
                    uint64_t* stored_up_to);
  // `is_new`: the op is known not to be stored (its seq is above the chain),
  // so the replay lookup is skipped.
  Result<protocol::OpResult> ResolveOne(SchoolTxn& txn, const protocol::SessionContext& ctx,
                                        const std::string& batch_id, const Op& op, int64_t now_ms,
                                        LeafSink& sink, bool is_new);
  Hlc ServerStamp();

  ResolverOptions options_;
  std::mutex hlc_mu_;
  HlcClock hlc_;
};

}  // namespace rectify
