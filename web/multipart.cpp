#include "web/multipart.h"

#include "web/http.h"

namespace rectify::web {

namespace {

// The value of `key="..."` or `key=token` among ';'-separated parameters.
std::string Param(std::string_view header, std::string_view key) {
  size_t pos = 0;
  while ((pos = header.find(';', pos)) != std::string_view::npos) {
    ++pos;
    while (pos < header.size() && header[pos] == ' ') ++pos;
    if (header.size() - pos <= key.size() ||
        !EqualsIgnoreCase(header.substr(pos, key.size()), key) || header[pos + key.size()] != '=')
      continue;
    std::string_view v = header.substr(pos + key.size() + 1);
    if (!v.empty() && v.front() == '"') {
      const auto end = v.find('"', 1);
      return std::string(v.substr(1, end == std::string_view::npos ? v.size() - 1 : end - 1));
    }
    return std::string(v.substr(0, v.find(';')));
  }
  return "";
}

Status ParseHeaders(std::string_view head, FormPart* part) {
  size_t start = 0;
  while (start < head.size()) {
    size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos) end = head.size();
    std::string_view line = head.substr(start, end - start);
    start = end + 2;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
      return Status::InvalidArgument("a part header without ':'");
    std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (EqualsIgnoreCase(name, "Content-Disposition")) {
      part->name = Param(value, "name");
      part->filename = Param(value, "filename");
    } else if (EqualsIgnoreCase(name, "Content-Type")) {
      part->content_type = std::string(value);
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<FormPart>> ParseMultipart(std::string_view content_type, std::string_view body) {
  const std::string boundary = Param(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 70)
    return Status::InvalidArgument("the upload has no multipart boundary");
  const std::string delim = "--" + boundary;
  size_t pos = body.find(delim);
  if (pos == std::string_view::npos) return Status::InvalidArgument("the upload has no parts");
  std::vector<FormPart> parts;
  for (;;) {
    pos += delim.size();
    if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter
    if (body.substr(pos, 2) != "\r\n") return Status::InvalidArgument("a malformed part delimiter");
    pos += 2;
    const size_t head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos)
      return Status::InvalidArgument("a part without headers");
    FormPart part;
    RECTIFY_RETURN_IF_ERROR(ParseHeaders(body.substr(pos, head_end - pos), &part));
    const size_t data_start = head_end + 4;
    const size_t next = body.find("\r\n" + delim, data_start);
    if (next == std::string_view::npos)
      return Status::InvalidArgument("the upload ends before its closing delimiter");
    part.data = std::string(body.substr(data_start, next - data_start));
    parts.push_back(std::move(part));
    pos = next + 2;
  }
}

const FormPart* FindPart(const std::vector<FormPart>& parts, std::string_view name) {
  for (const auto& p : parts)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace rectify::web
