#include "web/form.h"

#include <cctype>

#include <restinio/uri_helpers.hpp>

#include "shared/utf8.h"

namespace rectify::web {

Result<Params> ParseForm(std::string_view text) {
  Params out;
  if (text.empty()) return out;
  auto parsed = restinio::try_parse_query<restinio::parse_query_traits::x_www_form_urlencoded>(
      restinio::string_view_t{text.data(), text.size()});
  if (!parsed) return Status::InvalidArgument("malformed form or query: " +
                                   std::string(parsed.error().description()));
  for (const auto& [k, v] : *parsed) {
    std::string key(k.data(), k.size()), value(v.data(), v.size());
    if (!IsValidUtf8(key) || !IsValidUtf8(value))
      return Status::InvalidArgument("form field is not UTF-8");
    out[key] = value;
  }
  return out;
}

std::string Get(const Params& p, const std::string& name) {
  auto it = p.find(name);
  return it == p.end() ? std::string() : it->second;
}

std::string UrlEncode(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace rectify::web
