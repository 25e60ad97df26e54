#include "shared/op.h"

#include <sstream>

#include <cereal/archives/portable_binary.hpp>

#include "shared/bounded_archive.h"

namespace rectify {

std::string ValueToString(const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return "";
}

bool IsNull(const Value& v) { return std::holds_alternative<std::monostate>(v); }

const FieldChange* Op::Find(const std::string& field) const {
  for (const auto& f : fields)
    if (f.field == field) return &f;
  return nullptr;
}

std::string EncodeOp(const Op& op) {
  std::ostringstream os;
  {
    cereal::PortableBinaryOutputArchive ar(os);
    ar(op);
  }
  return os.str();
}

bool DecodeOp(const std::string& bytes, Op* out) { return DecodeBounded(bytes, out, "op").ok(); }

}  // namespace rectify
