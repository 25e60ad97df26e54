// multipart/form-data bodies (RFC 7578), for file uploads from a form without
// script. Sans-I/O: the whole body is in memory (the server bounds its size).
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shared/status.h"

namespace rectify::web {

struct FormPart {
  std::string name;      // the form field's name
  std::string filename;  // "" for a plain field
  std::string content_type;
  std::string data;
};

// The parts of `body` whose Content-Type header is `content_type`
// ("multipart/form-data; boundary=..."). InvalidArgument names what is wrong
// (no boundary, a part without headers, no closing delimiter).
Result<std::vector<FormPart>> ParseMultipart(std::string_view content_type, std::string_view body);

// The first part named `name`, or null.
const FormPart* FindPart(const std::vector<FormPart>& parts, std::string_view name);

}  // namespace rectify::web
