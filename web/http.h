// Plain HTTP request and response values for web faces (docs/console.md):
// a face is a function Request -> Response, so it runs the same behind the
// HTTPS server (web/https_server.h) and in a unit test. No I/O here.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rectify::web {

struct Request {
  std::string method;  // "GET", "POST" …
  std::string path;    // decoded path, without the query
  std::string query;   // raw query string, without '?'
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote;  // "ip:port"

  // The first header of that name (case-insensitive); "" if absent.
  std::string Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  Response& With(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  static Response Html(int status, std::string body);
  static Response Json(int status, std::string body);
  static Response Text(int status, std::string body);
  static Response Redirect(std::string location);  // 303 See Other
  // A download: Content-Disposition attachment with an RFC 5987 UTF-8 name.
  static Response Download(std::string content_type, const std::string& filename,
                           std::string body);
};

using Handler = std::function<Response(const Request&)>;

// True if the client prefers JSON: Accept names application/json before
// text/html (or without it). Browsers send text/html first.
bool WantsJson(const Request& req);

// The non-empty segments of a decoded path: "/schools/s1/" -> {"schools", "s1"}.
std::vector<std::string> SplitPath(const std::string& path);

// Case-insensitive ASCII comparison, for header names.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace rectify::web
