// Form bodies and query strings (application/x-www-form-urlencoded), parsed
// with RESTinio's decoder. Pure functions, thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace rectify::web {

// name -> value; a repeated name keeps its last value. InvalidArgument for a
// malformed percent escape or a value that is not UTF-8.
using Params = std::map<std::string, std::string>;
Result<Params> ParseForm(std::string_view text);

// The value or "" when absent.
std::string Get(const Params& p, const std::string& name);

// Percent-encodes a value for a URL query (RFC 3986 unreserved kept).
std::string UrlEncode(std::string_view text);

}  // namespace rectify::web
