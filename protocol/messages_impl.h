// Template bodies of messages.h. Include messages.h, not this file.
#pragma once

#include <sstream>

#include <cereal/archives/portable_binary.hpp>

#include "shared/bounded_archive.h"

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

// Bounded by the body: no length prefix is trusted (shared/bounded_archive.h).
template <class M>
Status DecodeBody(const std::string& body, M* out) {
  return DecodeBounded(body, out, "malformed message body");
}

}  // namespace rectify::protocol
