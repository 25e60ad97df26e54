// Every message of the sync protocol (docs/protocol.md), as plain structs
// serialised with cereal's portable binary archive inside one frame each.
// Identity (school, device, role) is never taken from a message: the server
// reads it from the peer's certificate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "shared/op.h"
#include "shared/status.h"

namespace rectify::protocol {

inline constexpr uint8_t kProtocolVersion = 1;     // highest this build speaks
inline constexpr uint8_t kMinProtocolVersion = 1;  // lowest this build accepts

enum class MsgType : uint8_t {
  kHello = 1,
  kHelloAck = 2,
  kPushBatch = 3,
  kPushAck = 4,
  kPullRequest = 5,
  kPullResponse = 6,
  kError = 7,
  kBye = 8,
  kAuditQuery = 9,
  kAuditResponse = 10,
  kProofRequest = 11,
  kProofResponse = 12,
  kEvidenceQuery = 13,  // evidence blobs: docs/evidence.md
  kEvidenceState = 14,
  kChunkPut = 15,
  kChunkAck = 16,
  kChunkGet = 17,
  kChunkData = 18,
};

// Sent first by the client, inside the frame of the client's highest version.
struct Hello {
  uint8_t min_version = kMinProtocolVersion;
  uint8_t max_version = kProtocolVersion;
  uint32_t schema_version = 0;
  std::string client_name;  // "rectify/0.1.0"
  std::string school_id;    // auditors name the school they work on; schools leave it empty
  template <class A>
  void serialize(A& ar) {
    ar(min_version, max_version, schema_version, client_name, school_id);
  }
};

struct HelloAck {
  uint8_t version = 0;    // the negotiated version: every later frame carries it
  std::string school_id;  // the school this session works on (from the certificate)
  std::string device_id;  // from the certificate
  std::string role;       // "school" or "auditor", from the certificate
  int64_t server_time_ms = 0;
  std::string server_name;
  template <class A>
  void serialize(A& ar) {
    ar(version, school_id, device_id, role, server_time_ms, server_name);
  }
};

struct PushBatch {
  std::string batch_id;  // made by the client; a resent batch keeps its id
  std::vector<Op> ops;   // ordered by device_seq
  template <class A>
  void serialize(A& ar) {
    ar(batch_id, ops);
  }
};

enum class Outcome : uint8_t { kApplied = 0, kSuperseded = 1, kRejected = 2 };
const char* OutcomeName(Outcome o);  // "applied", "superseded", "rejected"

struct OpResult {
  uint64_t device_seq = 0;
  Outcome outcome = Outcome::kApplied;
  std::string reason;       // why rejected, or which rule decided
  uint64_t server_seq = 0;  // position in the school's op stream (0 if rejected)
  uint64_t leaf_index = 0;  // position in the school's audit log
  bool replayed = false;    // the op was already stored: this is its stored result
  template <class A>
  void serialize(A& ar) {
    ar(device_seq, outcome, reason, server_seq, leaf_index, replayed);
  }
};

struct PushAck {
  std::string batch_id;
  std::vector<OpResult> results;  // one per op of the batch, same order
  template <class A>
  void serialize(A& ar) {
    ar(batch_id, results);
  }
};

struct PullRequest {
  uint64_t cursor = 0;           // last server_seq the client holds
  uint32_t limit = 1000;         // max ops in the answer
  uint64_t known_tree_size = 0;  // size of the client's last verified checkpoint
  template <class A>
  void serialize(A& ar) {
    ar(cursor, limit, known_tree_size);
  }
};

struct ServerOp {
  uint64_t server_seq = 0;
  Op op;  // as stored: hlc possibly clamped by the server
  template <class A>
  void serialize(A& ar) {
    ar(server_seq, op);
  }
};

struct ConflictInfo {
  uint64_t id = 0;  // server-wide id of the conflict record
  std::string entity, row_id, field;
  Value winner_value;
  std::string winner_author, winner_device;
  uint64_t winner_hlc = 0;
  Value loser_value;
  std::string loser_author, loser_device;
  uint64_t loser_hlc = 0;
  std::string rule;
  template <class A>
  void serialize(A& ar) {
    ar(id, entity, row_id, field, winner_value, winner_author, winner_device, winner_hlc,
       loser_value, loser_author, loser_device, loser_hlc, rule);
  }
};

struct PullResponse {
  std::vector<ServerOp> ops;            // applied and superseded ops after the cursor
  std::vector<ConflictInfo> conflicts;  // conflicts recorded after the cursor
  uint64_t next_cursor = 0;
  bool more = false;                           // ask again for the rest
  std::string checkpoint;                      // latest signed checkpoint note of the school's log
  std::vector<std::string> consistency_proof;  // raw 32-byte hashes from proof_from_size
  // Echo of the request this answers, so a stale or duplicated answer is
  // recognised as a transport fault, never mistaken for a changed history.
  uint64_t from_cursor = 0;
  uint64_t proof_from_size = 0;
  template <class A>
  void serialize(A& ar) {
    ar(ops, conflicts, next_cursor, more, checkpoint, consistency_proof, from_cursor,
       proof_from_size);
  }
};

struct ErrorMsg {
  uint16_t code = 0;  // rectify::Status::Code
  std::string message;
  template <class A>
  void serialize(A& ar) {
    ar(code, message);
  }
};

struct Bye {
  std::string reason;
  template <class A>
  void serialize(A& ar) {
    ar(reason);
  }
};

// Auditor queries over the audit log (and a school's proofs of its own ops).
// Answers are pages cut by bytes (docs/protocol.md "Limits"): the client asks
// again from `next` while `more` is set.
struct AuditQuery {
  std::string kind;  // "log", "history", "as_of", "export"
  std::string school_id;
  std::string arg;  // problem number/id for history, date for as_of
  int64_t since_ms = 0;
  uint64_t from = 0;       // where this page starts: `next` of the previous page, 0 at first
  uint64_t upto = 0;       // export pages after the first: the first page's checkpoint size
  uint64_t max_bytes = 0;  // a smaller page than the server's budget (0: the budget)
  template <class A>
  void serialize(A& ar) {
    ar(kind, school_id, arg, since_ms, from, upto, max_bytes);
  }
};

struct AuditResponse {
  std::string json;                 // result rows as JSON text (this page's)
  std::vector<std::string> leaves;  // encoded leaves, for export (this page's)
  std::string checkpoint;           // export: the head the export commits to (first page)
  std::string public_key;           // verifier key string
  uint64_t next = 0;                // `from` of the next page
  bool more = false;                // another page follows
  template <class A>
  void serialize(A& ar) {
    ar(json, leaves, checkpoint, public_key, next, more);
  }
};

struct ProofRequest {
  uint64_t leaf_index = 0;
  uint64_t tree_size = 0;  // 0: the latest checkpoint
  // When device_seq > 0 the leaf is the one of this op instead of leaf_index.
  std::string device_id;
  uint64_t device_seq = 0;
  template <class A>
  void serialize(A& ar) {
    ar(leaf_index, tree_size, device_id, device_seq);
  }
};

struct ProofResponse {
  std::string leaf;  // the encoded leaf
  uint64_t leaf_index = 0;
  std::vector<std::string> proof;
  std::string checkpoint;  // the proof is against this checkpoint's tree
  template <class A>
  void serialize(A& ar) {
    ar(leaf, leaf_index, proof, checkpoint);
  }
};

// Evidence files (docs/evidence.md): content-addressed by lowercase hex
// SHA-256, moved in chunks of at most kMaxEvidenceChunk bytes, resumable.
inline constexpr uint32_t kMaxEvidenceChunk = 256u << 10;

struct EvidenceQuery {
  std::vector<std::string> sha256;  // lowercase hex
  template <class A>
  void serialize(A& ar) {
    ar(sha256);
  }
};

struct EvidenceState {
  // One per queried hash, same order: bytes the server holds (0 = nothing;
  // equal to the file size = complete). `complete` says which.
  std::vector<uint64_t> held;
  std::vector<uint8_t> complete;
  template <class A>
  void serialize(A& ar) {
    ar(held, complete);
  }
};

struct ChunkPut {
  std::string sha256;
  uint64_t total_size = 0;
  uint64_t offset = 0;
  std::string bytes;         // at most kMaxEvidenceChunk
  std::string chunk_sha256;  // raw 32-byte SHA-256 of `bytes`
  template <class A>
  void serialize(A& ar) {
    ar(sha256, total_size, offset, bytes, chunk_sha256);
  }
};

struct ChunkAck {
  std::string sha256;
  uint64_t next_offset = 0;  // where the server wants the next chunk
  bool complete = false;     // whole file held and verified
  template <class A>
  void serialize(A& ar) {
    ar(sha256, next_offset, complete);
  }
};

struct ChunkGet {
  std::string sha256;
  uint64_t offset = 0;
  uint32_t max_len = kMaxEvidenceChunk;
  template <class A>
  void serialize(A& ar) {
    ar(sha256, offset, max_len);
  }
};

struct ChunkData {
  std::string sha256;
  uint64_t total_size = 0;
  uint64_t offset = 0;
  std::string bytes;
  template <class A>
  void serialize(A& ar) {
    ar(sha256, total_size, offset, bytes);
  }
};

// Serialises a message body (cereal portable binary). Compression is applied
// at the frame level by codec.h.
template <class M>
std::string EncodeBody(const M& m);
template <class M>
Status DecodeBody(const std::string& body, M* out);

}  // namespace rectify::protocol

#include "protocol/messages_impl.h"
