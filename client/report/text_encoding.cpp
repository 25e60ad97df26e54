#include "client/report/text_encoding.h"

#include <iconv.h>

#include <cerrno>
#include <string>

#include "shared/utf8.h"

namespace rectify {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Decodes GB18030 with glibc iconv. On failure returns the offset of the
// byte iconv stopped at.
Result<std::string> DecodeGb18030(std::string_view bytes, size_t* bad_offset) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1))
    return Status::Internal("iconv does not support GB18030");
  std::string out(bytes.size() * 2 + 16, '\0');    // GB18030 -> UTF-8 grows at most 2x
  char* in_ptr = const_cast<char*>(bytes.data());  // iconv's API is not const-correct
  size_t in_left = bytes.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
  int err = errno;
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) {
    *bad_offset = bytes.size() - in_left;
    return Status::InvalidArgument(err == EINVAL ? "truncated GB18030 sequence"
                                                 : "invalid GB18030 sequence");
  }
  out.resize(out.size() - out_left);
  return out;
}

}  // namespace

std::optional<size_t> FirstInvalidUtf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    size_t len = Utf8SequenceLength(bytes, i);
    if (len == 0) return i;
    i += len;
  }
  return std::nullopt;
}

Result<std::string> ToUtf8(std::string_view bytes, std::string* detected) {
  std::string scratch;
  std::string& kind = detected != nullptr ? *detected : scratch;
  if (bytes.starts_with(kUtf8Bom)) {
    std::string_view body = bytes.substr(kUtf8Bom.size());
    if (auto bad = FirstInvalidUtf8(body)) {
      return Status::InvalidArgument("file starts with a UTF-8 BOM but byte offset " +
                                     std::to_string(*bad + kUtf8Bom.size()) +
                                     " is not valid UTF-8");
    }
    kind = "utf-8-bom";
    return std::string(body);
  }
  auto bad_utf8 = FirstInvalidUtf8(bytes);
  if (!bad_utf8) {
    kind = "utf-8";
    return std::string(bytes);
  }
  size_t bad_gb = 0;
  Result<std::string> gb = DecodeGb18030(bytes, &bad_gb);
  if (gb.ok()) {
    kind = "gb18030";
    return gb;
  }
  return Status::InvalidArgument("text is neither UTF-8 (invalid at byte offset " +
                                 std::to_string(*bad_utf8) + ") nor GB18030 (" +
                                 gb.status().message() + " at byte offset " +
                                 std::to_string(bad_gb) + ")");
}

}  // namespace rectify
