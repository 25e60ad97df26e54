// HOST:PORT as operators and clerks type it (docs/design.md §3): a DNS name,
// an IPv4 address or a bracketed IPv6 address ("[::1]:7443"), a colon and a
// decimal port. The one parser for rectify's --server, rectifyd's --listen and
// the test tools. Pure, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace rectify {

struct HostPort {
  std::string host;  // without brackets
  uint16_t port = 0;
};

enum class PortZero { kRefuse, kAllow };  // kAllow: "any free port", for listening

// InvalidArgument naming the text and what is wrong with it.
Result<HostPort> ParseHostPort(std::string_view text, PortZero zero = PortZero::kRefuse);

}  // namespace rectify
