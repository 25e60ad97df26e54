#include "web/http.h"

#include <cctype>

namespace rectify::web {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (EqualsIgnoreCase(k, name)) return v;
  return "";
}

namespace {
// Security headers every answer carries: no framing, no sniffing, no
// third-party script, no caching of pages holding ledger data.
Response Make(int status, std::string type, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.With("Content-Type", std::move(type))
      .With("X-Content-Type-Options", "nosniff")
      .With("X-Frame-Options", "DENY")
      .With("Referrer-Policy", "no-referrer")
      .With("Cache-Control", "no-store")
      .With("Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'; form-action 'self'");
  return r;
}
}  // namespace

Response Response::Html(int status, std::string body) {
  return Make(status, "text/html; charset=utf-8", std::move(body));
}
Response Response::Json(int status, std::string body) {
  return Make(status, "application/json; charset=utf-8", std::move(body));
}
Response Response::Text(int status, std::string body) {
  return Make(status, "text/plain; charset=utf-8", std::move(body));
}
Response Response::Redirect(std::string location) {
  Response r = Make(303, "text/plain; charset=utf-8", "");
  r.With("Location", std::move(location));
  return r;
}

Response Response::Download(std::string content_type, const std::string& filename,
                            std::string body) {
  Response r = Make(200, std::move(content_type), std::move(body));
  std::string encoded;
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : filename) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  // Old clients get an ASCII name with the right extension; others the UTF-8 one.
  const auto dot = filename.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : filename.substr(dot);
  r.With("Content-Disposition",
         "attachment; filename=\"export" + ext + "\"; filename*=UTF-8''" + encoded);
  return r;
}

bool WantsJson(const Request& req) {
  const std::string accept = req.Header("Accept");
  const auto json = accept.find("application/json");
  if (json == std::string::npos) return false;
  const auto html = accept.find("text/html");
  return html == std::string::npos || json < html;
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const std::string part = path.substr(start, slash - start);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

}  // namespace rectify::web
