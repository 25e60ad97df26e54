#include "shared/audit_leaf.h"

#include <string_view>

#include <nlohmann/json.hpp>

#include "shared/base64.h"
#include "shared/utf8.h"

namespace rectify {
namespace {

using Json = nlohmann::json;
constexpr uint64_t kVersion = 1;
constexpr size_t kFieldCount = 16;  // the 15 AuditLeaf fields (op as "op") plus "v"

// The canonical writer, by hand: building a nlohmann object per leaf was a
// quarter of the server's cost per op (docs/PERFORMANCE.md). The bytes are
// exactly nlohmann's dump(-1, ' ', false, strict) of the same object, which
// the unit test checks on random leaves.
class CanonicalWriter {
 public:
  explicit CanonicalWriter(size_t reserve) { out_.reserve(reserve); }

  void Key(std::string_view key) {
    out_ += first_ ? "{\"" : ",\"";
    first_ = false;
    out_ += key;
    out_ += "\":";
  }
  void Uint(std::string_view key, uint64_t v) {
    Key(key);
    char buf[24];
    char* end = buf + sizeof buf;
    char* p = end;
    do {
      *--p = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    out_.append(p, end);
  }
  void Str(std::string_view key, std::string_view v) {
    Key(key);
    out_ += '"';
    size_t run = 0;  // start of the current stretch of bytes copied as is
    for (size_t i = 0; i < v.size(); ++i) {
      const auto c = static_cast<unsigned char>(v[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(v.substr(run, i - run));
      run = i + 1;
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\b':
          out_ += "\\b";
          break;
        case '\f':
          out_ += "\\f";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          out_ += "\\u00";
          out_ += kHex[c >> 4];
          out_ += kHex[c & 0xF];
        }
      }
    }
    out_.append(v.substr(run));
    out_ += '"';
  }
  std::string Finish() {
    out_ += '}';
    return std::move(out_);
  }

 private:
  std::string out_;
  bool first_ = true;
};

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

std::string_view AuditOutcomeLabel(std::string_view outcome) {
  if (outcome == "applied") return "已应用";
  if (outcome == "superseded") return "被覆盖";
  if (outcome == "rejected") return "已拒绝";
  return outcome;
}

Result<std::string> EncodeAuditLeaf(const AuditLeaf& leaf) {
  if (!IsValidAuditOutcome(leaf.outcome)) {
    return Status::InvalidArgument("audit leaf: unknown outcome '" + leaf.outcome + "'");
  }
  for (const std::string* text : {&leaf.author, &leaf.batch_id, &leaf.device_id, &leaf.peer,
                                  &leaf.reason, &leaf.role, &leaf.rule, &leaf.school_id}) {
    if (!IsValidUtf8(*text)) return Status::InvalidArgument("audit leaf: text is not valid UTF-8");
  }
  const std::string op = Base64Encode(leaf.op_bytes);
  CanonicalWriter w(320 + op.size() + leaf.batch_id.size() + leaf.reason.size());
  // Keys in byte order, as the format requires.
  w.Str("author", leaf.author);
  w.Str("batch_id", leaf.batch_id);
  w.Uint("clamped_from_hlc", leaf.clamped_from_hlc);
  w.Uint("device_hlc", leaf.device_hlc);
  w.Str("device_id", leaf.device_id);
  w.Uint("device_seq", leaf.device_seq);
  w.Uint("index", leaf.index);
  w.Str("op", op);
  w.Str("outcome", leaf.outcome);
  w.Str("peer", leaf.peer);
  w.Str("reason", leaf.reason);
  w.Str("role", leaf.role);
  w.Str("rule", leaf.rule);
  w.Str("school_id", leaf.school_id);
  w.Uint("server_time_ms", leaf.server_time_ms);
  w.Uint("v", kVersion);
  return w.Finish();
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
