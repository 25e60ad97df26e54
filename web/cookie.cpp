#include "web/cookie.h"

namespace rectify::web {

namespace {
constexpr std::string_view kPrefix = "__Host-";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::string SetCookieValue(std::string_view name, std::string_view value, int64_t max_age_s) {
  std::string out = std::string(kPrefix) + std::string(name) + "=" + std::string(value) +
                    "; Path=/; Secure; HttpOnly; SameSite=Strict";
  if (max_age_s >= 0) out += "; Max-Age=" + std::to_string(max_age_s);
  return out;
}

std::string ReadCookie(const Request& req, std::string_view name) {
  return ReadLoopbackCookie(req, std::string(kPrefix) + std::string(name));
}

std::string SetLoopbackCookieValue(std::string_view name, std::string_view value) {
  return std::string(name) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Strict";
}

std::string ReadLoopbackCookie(const Request& req, std::string_view wanted) {
  for (const auto& [k, v] : req.headers) {
    if (!EqualsIgnoreCase(k, "Cookie")) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      std::string_view pair = Trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == wanted)
        return std::string(pair.substr(eq + 1));
    }
  }
  return "";
}

}  // namespace rectify::web
