#include "shared/audit_leaf.h"

#include <nlohmann/json.hpp>

#include "shared/base64.h"

namespace rectify {
namespace {

using Json = nlohmann::json;
constexpr uint64_t kVersion = 1;
constexpr size_t kFieldCount = 16;  // the 15 AuditLeaf fields (op as "op") plus "v"

Result<std::string> Canonical(const Json& j) {
  // nlohmann throws on invalid UTF-8; keep that inside this module.
  try {
    return j.dump(-1, ' ', false, Json::error_handler_t::strict);
  } catch (const Json::exception&) {
    return Status::InvalidArgument("audit leaf: text is not valid UTF-8");
  }
}

bool GetString(const Json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

bool GetUint(const Json& j, const char* key, uint64_t* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return false;
  *out = it->get<uint64_t>();
  return true;
}

}  // namespace

bool IsValidAuditOutcome(std::string_view outcome) {
  return outcome == "applied" || outcome == "superseded" || outcome == "rejected";
}

Result<std::string> EncodeAuditLeaf(const AuditLeaf& leaf) {
  if (!IsValidAuditOutcome(leaf.outcome)) {
    return Status::InvalidArgument("audit leaf: unknown outcome '" + leaf.outcome + "'");
  }
  // nlohmann's default object is a std::map, so keys come out byte-sorted.
  Json j = {
      {"author", leaf.author},
      {"batch_id", leaf.batch_id},
      {"clamped_from_hlc", leaf.clamped_from_hlc},
      {"device_hlc", leaf.device_hlc},
      {"device_id", leaf.device_id},
      {"device_seq", leaf.device_seq},
      {"index", leaf.index},
      {"op", Base64Encode(leaf.op_bytes)},
      {"outcome", leaf.outcome},
      {"peer", leaf.peer},
      {"reason", leaf.reason},
      {"role", leaf.role},
      {"rule", leaf.rule},
      {"school_id", leaf.school_id},
      {"server_time_ms", leaf.server_time_ms},
      {"v", kVersion},
  };
  return Canonical(j);
}

Result<AuditLeaf> DecodeAuditLeaf(std::string_view bytes) {
  Json j = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Status::Corruption("audit leaf: not a JSON object");
  if (j.size() != kFieldCount) return Status::Corruption("audit leaf: wrong set of fields");
  AuditLeaf leaf;
  uint64_t version = 0;
  std::string op_b64;
  bool ok =
      GetUint(j, "v", &version) && GetUint(j, "index", &leaf.index) &&
      GetString(j, "school_id", &leaf.school_id) && GetString(j, "device_id", &leaf.device_id) &&
      GetString(j, "role", &leaf.role) && GetString(j, "author", &leaf.author) &&
      GetString(j, "peer", &leaf.peer) && GetString(j, "batch_id", &leaf.batch_id) &&
      GetUint(j, "device_seq", &leaf.device_seq) && GetUint(j, "device_hlc", &leaf.device_hlc) &&
      GetUint(j, "server_time_ms", &leaf.server_time_ms) &&
      GetString(j, "outcome", &leaf.outcome) && GetString(j, "reason", &leaf.reason) &&
      GetString(j, "rule", &leaf.rule) && GetUint(j, "clamped_from_hlc", &leaf.clamped_from_hlc) &&
      GetString(j, "op", &op_b64);
  if (!ok) return Status::Corruption("audit leaf: missing field or wrong type");
  if (version != kVersion) return Status::Corruption("audit leaf: unsupported version");
  if (!IsValidAuditOutcome(leaf.outcome)) return Status::Corruption("audit leaf: unknown outcome");
  Result<std::string> op = Base64Decode(op_b64);
  if (!op.ok()) return Status::Corruption("audit leaf: op is not base64");
  leaf.op_bytes = std::move(*op);
  // Only the canonical spelling is a leaf: otherwise one leaf could be
  // re-spelled (spaces, escapes, key order) and hash differently.
  Result<std::string> again = EncodeAuditLeaf(leaf);
  if (!again.ok() || *again != bytes) return Status::Corruption("audit leaf: not canonical");
  return leaf;
}

}  // namespace rectify
