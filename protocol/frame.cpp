#include "protocol/frame.h"

namespace rectify::protocol {

std::string EncodeFrame(const Frame& frame) {
  std::string out;
  out.reserve(kFrameHeaderSize + frame.body.size());
  const auto n = static_cast<uint32_t>(frame.body.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.push_back(static_cast<char>(frame.type));
  out.push_back(static_cast<char>(frame.version));
  out.push_back(static_cast<char>(frame.flags));
  out.push_back(0);
  out += frame.body;
  return out;
}

Status FrameDecoder::Feed(std::string_view bytes) {
  if (!failed_.ok()) return failed_;
  buf_.append(bytes.data(), bytes.size());
  failed_ = Parse();
  return failed_;
}

Status FrameDecoder::Parse() {
  size_t pos = 0;
  while (buf_.size() - pos >= kFrameHeaderSize) {
    const auto* h = reinterpret_cast<const unsigned char*>(buf_.data() + pos);
    const uint32_t n =
        (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
    if (n > max_)
      return Status::InvalidArgument("frame of " + std::to_string(n) +
                                     " bytes exceeds the limit of " + std::to_string(max_));
    if (h[7] != 0 || (h[6] & ~kFlagZstd) != 0)
      return Status::InvalidArgument("bad frame header (reserved bits set): not a Rectify peer?");
    if (buf_.size() - pos - kFrameHeaderSize < n) break;
    Frame f;
    f.type = h[4];
    f.version = h[5];
    f.flags = h[6];
    f.body.assign(buf_, pos + kFrameHeaderSize, n);
    frames_.push_back(std::move(f));
    pos += kFrameHeaderSize + n;
  }
  buf_.erase(0, pos);
  return Status::OK();
}

Frame FrameDecoder::Pop() {
  Frame f = std::move(frames_.front());
  frames_.pop_front();
  return f;
}

}  // namespace rectify::protocol
