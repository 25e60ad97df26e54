// Internal to web/: the glue between RESTinio's request handle and the plain
// web::Request/Response values, shared by the HTTPS server (the console) and
// the loopback HTTP server (the desk). Header-only because it is a template
// over the server traits; include only from web/*.cpp.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include <restinio/all.hpp>

#include "web/http.h"

namespace rectify::web::internal {

inline Request ToRequest(const restinio::request_handle_t& req) {
  Request out;
  const auto& h = req->header();
  out.method = std::string(h.method().c_str());
  const auto raw_path = h.path();
  auto decoded = restinio::utils::try_unescape_percent_encoding(raw_path);
  out.path = decoded ? std::move(*decoded) : std::string(raw_path.data(), raw_path.size());
  const auto q = h.query();
  out.query.assign(q.data(), q.size());
  h.for_each_field([&out](const restinio::http_header_field_t& f) {
    out.headers.emplace_back(f.name(), f.value());
  });
  out.body = req->body();
  out.remote = req->remote_endpoint().address().to_string() + ":" +
               std::to_string(req->remote_endpoint().port());
  return out;
}

inline const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 303:
      return "See Other";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 421:
      return "Misdirected Request";
    case 429:
      return "Too Many Requests";
    default:
      return status < 400 ? "OK" : "Error";
  }
}

// A RESTinio request handler that runs `handler` and sends its Response; an
// exception becomes a 500 without its text.
inline auto Adapt(Handler handler) {
  return [handler = std::move(handler)](restinio::request_handle_t req) {
    Response resp;
    try {
      resp = handler(ToRequest(req));
    } catch (const std::exception&) {
      resp = Response::Text(500, "internal error");
    }
    auto out = req->create_response(restinio::http_status_line_t{
        restinio::http_status_code_t{static_cast<std::uint16_t>(resp.status)},
        Reason(resp.status)});
    for (auto& [k, v] : resp.headers) out.append_header(k, v);
    out.set_body(std::move(resp.body));
    return out.done();
  };
}

}  // namespace rectify::web::internal
