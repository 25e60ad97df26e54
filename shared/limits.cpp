#include "shared/limits.h"

namespace rectify {

namespace {

std::string KiB(size_t bytes) { return std::to_string((bytes + 1023) / 1024) + " KiB"; }

}  // namespace

std::optional<std::string> TextFieldTooLarge(std::string_view where, const Value& value) {
  const auto* text = std::get_if<std::string>(&value);
  if (text == nullptr || text->size() <= kMaxTextFieldBytes) return std::nullopt;
  return std::string(where) + " is " + KiB(text->size()) + " long, over the limit of " +
         KiB(kMaxTextFieldBytes) + " per field; shorten it or attach the text as evidence";
}

std::optional<std::string> OpTooLarge(const Op& op) {
  const size_t size = EncodeOp(op).size();
  if (size <= kMaxOpBytes) return std::nullopt;
  return "the change to " + op.entity + " " + op.row_id + " (seq " + std::to_string(op.device_seq) +
         ") is " + KiB(size) + " encoded, over the limit of " + KiB(kMaxOpBytes) +
         " per change; change fewer or shorter fields at once";
}

}  // namespace rectify
