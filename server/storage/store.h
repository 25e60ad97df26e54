// The server's storage seam (docs/design.md §3, §4, §5). Everything the resolver,
// the audit log and the sync service persist goes through a per-school unit of
// work (SchoolTxn) opened on a Store. Nothing here assumes SQLite: SqliteStore
// is the first implementation, a PostgreSQL one can follow.
//
// Contracts common to every implementation:
//  - A write SchoolTxn is all-or-nothing: Commit() makes every change durable
//    at once (the server acknowledges an op only after this); destroying the
//    txn without Commit() discards every change.
//  - Every read and write is confined to the txn's school: no method can see
//    or touch another school's rows.
//  - Thread-safety: a Store is thread-safe. A SchoolTxn belongs to one thread
//    at a time and must not outlive its Store. Write txns are serialised by the
//    implementation (callers may Begin() from any thread; Begin blocks while
//    another write txn is open); read txns see a consistent snapshot and may
//    run concurrently with each other and with one writer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/messages.h"
#include "shared/merge.h"
#include "shared/op.h"
#include "shared/sha256.h"
#include "shared/status.h"

namespace rectify {

// One op as the server stored it, with the outcome it was given.
struct StoredOp {
  Op op;                      // as stored: hlc possibly clamped by the server
  protocol::OpResult result;  // server_seq 0 for a rejected op
  int64_t received_ms = 0;    // server receive time
};

// A conflict found while merging (docs/design.md §4), kept for review.
struct ConflictRecord {
  uint64_t id = 0;          // assigned by the store
  uint64_t server_seq = 0;  // the op whose merge found it
  std::string entity, row_id, field;
  FieldState winner;
  FieldState loser;
  std::string rule;
};

// The latest signed checkpoint of a school's log.
struct StoredCheckpoint {
  uint64_t size = 0;
  std::string note;  // the signed note text (C2SP signed-note)
};

class SchoolTxn {
 public:
  // Rolls back unless Commit() succeeded. Never throws.
  virtual ~SchoolTxn() = default;
  virtual const std::string& school_id() const = 0;
  virtual bool read_only() const = 0;

  // Makes every change of this unit of work durable, all at once. After
  // Commit() (successful or not) the txn accepts no further calls and no
  // longer blocks other writers.
  virtual Status Commit() = 0;

  // ---- replicated rows: field states per (entity, row) ----
  // Empty RowState for a row never written.
  virtual Result<RowState> ReadRow(const std::string& entity, const std::string& row_id) = 0;
  // Upserts every field of `fields` (fields not listed keep their state).
  virtual Status WriteFields(const std::string& entity, const std::string& row_id,
                             const RowState& fields) = 0;
  // Every row of `entity` with its field states, ordered by row id (the
  // console's ledger view, docs/console.md). Empty if none.
  virtual Result<std::vector<std::pair<std::string, RowState>>> ReadEntity(
      const std::string& entity) = 0;
  // Row ids of `entity` whose `field` currently holds `value`.
  virtual Result<std::vector<std::string>> FindRows(const std::string& entity,
                                                    const std::string& field,
                                                    const Value& value) = 0;

  // ---- ops ----
  // The op stored under (device_id, device_seq), with its result; nullopt if none.
  virtual Result<std::optional<StoredOp>> FindOp(const std::string& device_id,
                                                 uint64_t device_seq) = 0;
  // The highest device_seq stored for the device in this school; 0 if none.
  virtual Result<uint64_t> LastDeviceSeq(const std::string& device_id) = 0;
  // The next server_seq AppendOp would give (1 for a new school).
  virtual Result<uint64_t> NextServerSeq() = 0;
  // Stores `op`. Precondition: op.result.server_seq is NextServerSeq() for an
  // applied or superseded op, 0 for a rejected one. AlreadyExists if the
  // (device_id, device_seq) is taken.
  virtual Status AppendOp(const StoredOp& op) = 0;
  // Applied and superseded ops with server_seq > cursor, ascending, at most `limit`.
  virtual Result<std::vector<StoredOp>> OpsAfter(uint64_t cursor, uint32_t limit) = 0;
  // The highest server_seq stored; 0 if none.
  virtual Result<uint64_t> LastServerSeq() = 0;

  // ---- device bindings ----
  // A ledger's device id (in every op it makes) is bound to the certificate
  // that first pushed it; afterwards only that certificate may speak for it.
  // The certificate device bound to `device_id`; nullopt if none yet.
  virtual Result<std::optional<std::string>> BoundCertificate(const std::string& device_id) = 0;
  // AlreadyExists if `device_id` is already bound.
  virtual Status BindDevice(const std::string& device_id, const std::string& cert_device) = 0;

  // ---- conflicts ----
  // Stores `c` (its id is ignored) and returns the id given to it.
  virtual Result<uint64_t> AppendConflict(const ConflictRecord& c) = 0;
  // Conflicts whose server_seq is in (after_seq, up_to_seq], ascending by id.
  virtual Result<std::vector<ConflictRecord>> ConflictsInRange(uint64_t after_seq,
                                                               uint64_t up_to_seq) = 0;
  virtual Result<std::vector<ConflictRecord>> ConflictsForRow(const std::string& entity,
                                                              const std::string& row_id) = 0;

  // ---- audit log leaves (encoded leaf bytes; index 0, 1, 2 …) ----
  // Appends and returns the new leaf's index (= the previous leaf count).
  // `leaf_hash` is LeafHash(leaf_bytes): it is the tree's level-0 node.
  virtual Result<uint64_t> AppendLeaf(const std::string& leaf_bytes, const Hash& leaf_hash) = 0;
  virtual Result<uint64_t> LeafCount() = 0;
  // Leaves [from, from+limit), in index order.
  virtual Result<std::vector<std::string>> ReadLeaves(uint64_t from, uint64_t limit) = 0;

  // ---- Merkle tree nodes (the NodeStore seam of shared/merkle_tree.h) ----
  // GetNode(0, i) is the hash given to AppendLeaf for leaf i. An
  // implementation may derive low levels from the leaf hashes instead of
  // storing them (SqliteStore does, below level 4).
  virtual Result<std::optional<Hash>> GetNode(uint32_t level, uint64_t index) = 0;
  // Level 0 is refused (InvalidArgument): leaf hashes come with AppendLeaf.
  // Storing a node twice fails, unless the implementation derives its level.
  virtual Status PutNode(uint32_t level, uint64_t index, const Hash& hash) = 0;

  // ---- signed checkpoints ----
  virtual Status SaveCheckpoint(const StoredCheckpoint& c) = 0;
  // The checkpoint with the largest size; nullopt if none was ever signed.
  virtual Result<std::optional<StoredCheckpoint>> LatestCheckpoint() = 0;
};

// Everything one school holds, for copying a store into another
// (`rectifyd migrate`, docs/operations.md). Leaves carry their hash; upper
// Merkle nodes are not part of it (the target recomputes them).
struct SchoolDump {
  struct Row {
    std::string entity, row_id;
    RowState fields;
  };
  std::string school_id;
  std::vector<StoredOp> ops;  // every op, rejected ones included, by (device, seq)
  std::vector<Row> rows;
  std::vector<ConflictRecord> conflicts;                      // with their ids, ascending
  std::vector<std::pair<std::string, std::string>> bindings;  // device_id, cert_device
  std::vector<std::pair<std::string, Hash>> leaves;           // bytes, hash; index order
  std::vector<StoredCheckpoint> checkpoints;                  // ascending size
};

class Store {
 public:
  virtual ~Store() = default;
  // Opens a write unit of work on one school. Blocks while another write
  // unit of work is open (see the implementation for the granularity).
  virtual Result<std::unique_ptr<SchoolTxn>> Begin(const std::string& school_id) = 0;
  // Opens a read-only snapshot of one school; writes on it fail
  // (FailedPrecondition). Does not block writers.
  virtual Result<std::unique_ptr<SchoolTxn>> BeginRead(const std::string& school_id) = 0;
  // Every school that has at least one audit leaf, sorted.
  virtual Result<std::vector<std::string>> ListSchools() = 0;
};

}  // namespace rectify
