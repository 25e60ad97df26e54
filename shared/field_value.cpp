#include "shared/field_value.h"

#include <string>

#include "shared/date.h"
#include "shared/domain.h"
#include "shared/limits.h"

namespace rectify {

namespace {

std::string Shown(const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return "'" + std::get<std::string>(v) + "'";
}

// What a text of this type must look like; nullptr if any text will do.
const char* TextRule(FieldType type, std::string_view text) {
  switch (type) {
    case FieldType::kText:
    case FieldType::kInt:
      return nullptr;
    case FieldType::kDate:
      return IsValidDate(text) ? nullptr : "a date YYYY-MM-DD (a real calendar day)";
    case FieldType::kDeadline:
      return IsValidDeadline(text) ? nullptr : "a date YYYY-MM-DD or 长期";
    case FieldType::kStatus:
      return ParseStatus(text) ? nullptr : "a known status (未开始/推进中/已完成/长期坚持/已销号)";
    case FieldType::kKind:
      return ParseKind(text) ? nullptr : "a known kind (立行立改/限期整改/长期坚持)";
  }
  return nullptr;
}

}  // namespace

Status CheckFieldValue(std::string_view entity, const FieldDef& def, const Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return Status::OK();
  const std::string where = std::string(entity) + "." + std::string(def.name);
  const bool is_int = std::holds_alternative<int64_t>(v);
  if (def.type == FieldType::kInt) {
    if (!is_int) return Status::InvalidArgument(where + " must be an integer, got " + Shown(v));
    return Status::OK();
  }
  if (is_int) return Status::InvalidArgument(where + " must be text, got " + Shown(v));
  // Every value fits the protocol by construction (docs/protocol.md "Limits").
  if (auto too_large = TextFieldTooLarge(where, v)) return Status::InvalidArgument(*too_large);
  if (const char* rule = TextRule(def.type, std::get<std::string>(v))) {
    // Status and kind name the value first: "unknown status 'x'" is what users search for.
    if (def.type == FieldType::kStatus || def.type == FieldType::kKind)
      return Status::InvalidArgument(
          where + ": unknown " + (def.type == FieldType::kStatus ? "status " : "kind ") +
          Shown(v) + " (must be " + rule + ")");
    return Status::InvalidArgument(where + " must be " + rule + ", got " + Shown(v));
  }
  return Status::OK();
}

}  // namespace rectify
