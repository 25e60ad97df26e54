#include "protocol/codec.h"

#include <zstd.h>

namespace rectify::protocol {

std::string CompressBody(const std::string& body) {
  std::string out(ZSTD_compressBound(body.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), body.data(), body.size(), 3);
  if (ZSTD_isError(n)) return body;  // caller keeps the uncompressed body
  out.resize(n);
  return out;
}

Result<std::string> FrameBody(const Frame& frame, uint32_t max_bytes) {
  if (!(frame.flags & kFlagZstd)) return frame.body;
  unsigned long long size = ZSTD_getFrameContentSize(frame.body.data(), frame.body.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
    return Status::InvalidArgument("compressed frame body is not a valid zstd frame");
  if (size > max_bytes)
    return Status::InvalidArgument("compressed frame body expands to " + std::to_string(size) +
                                   " bytes, over the limit of " + std::to_string(max_bytes));
  std::string out(static_cast<size_t>(size), '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), frame.body.data(), frame.body.size());
  if (ZSTD_isError(n) || n != size)
    return Status::InvalidArgument(std::string("corrupt zstd frame body: ") +
                                   (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch"));
  return out;
}

Status StatusFromErrorFrame(const Frame& frame, uint32_t max_bytes) {
  ErrorMsg err;
  Status st = DecodeMessage(frame, MsgType::kError, &err, max_bytes);
  if (!st.ok()) return st;
  switch (static_cast<Status::Code>(err.code)) {
    case Status::Code::kPermissionDenied:
      return Status::PermissionDenied("server refused: " + err.message);
    case Status::Code::kNotFound:
      return Status::NotFound(err.message);
    default:
      return Status::FailedPrecondition("server error: " + err.message);
  }
}

}  // namespace rectify::protocol
