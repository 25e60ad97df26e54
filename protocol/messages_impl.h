// Template bodies of messages.h. Include messages.h, not this file.
#pragma once

#include <sstream>

#include <cereal/archives/portable_binary.hpp>

namespace rectify::protocol {

template <class M>
std::string EncodeBody(const M& m) {
  std::ostringstream os;
  {
    cereal::PortableBinaryOutputArchive ar(os);
    ar(m);
  }
  return os.str();
}

template <class M>
Status DecodeBody(const std::string& body, M* out) {
  try {
    std::istringstream is(body);
    cereal::PortableBinaryInputArchive ar(is);
    ar(*out);
    if (is.peek() != std::char_traits<char>::eof())
      return Status::InvalidArgument("trailing bytes after message body");
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("malformed message body: ") + e.what());
  }
}

}  // namespace rectify::protocol
