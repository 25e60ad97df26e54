// Session cookies for web faces: always `__Host-` prefixed (so Secure,
// Path=/, no Domain), HttpOnly, SameSite=Strict; a loopback face's cookie
// the same without Secure and the prefix. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "web/http.h"

namespace rectify::web {

// The Set-Cookie value for `name` (without the prefix) holding `value`.
// max_age_s < 0: a session cookie; 0: deletes it.
std::string SetCookieValue(std::string_view name, std::string_view value, int64_t max_age_s = -1);

// The value of cookie `__Host-<name>` in the request's Cookie headers; "" if absent.
std::string ReadCookie(const Request& req, std::string_view name);

// For a face served over plain HTTP on loopback (web/loopback_server.h),
// where a Secure cookie may not be kept: the cookie `name` as is, Path=/,
// HttpOnly, SameSite=Strict, session-long; and its value ("" if absent).
std::string SetLoopbackCookieValue(std::string_view name, std::string_view value);
std::string ReadLoopbackCookie(const Request& req, std::string_view name);

}  // namespace rectify::web
