#include "shared/host_port.h"

namespace rectify {

Result<HostPort> ParseHostPort(std::string_view text, PortZero zero) {
  const std::string shown = "'" + std::string(text) + "'";
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return Status::InvalidArgument(shown + " is not HOST:PORT");
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) return Status::InvalidArgument(shown + " is not HOST:PORT");
  const std::string_view port = text.substr(colon + 1);
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || port.size() > 5)
      return Status::InvalidArgument(shown + ": bad port '" + std::string(port) + "'");
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535 || (value == 0 && zero == PortZero::kRefuse))
    return Status::InvalidArgument(shown + ": bad port '" + std::string(port) + "'");
  return HostPort{std::string(host), static_cast<uint16_t>(value)};
}

}  // namespace rectify
