#include "shared/duration.h"

#include <string>

namespace rectify {

Result<int64_t> ParseDuration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text) + "\"";
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0 || i > 12)
    return Status::InvalidArgument("bad duration " + quoted + " (e.g. 500ms, 30s, 5m, 2h, 1d)");
  const int64_t n = std::stoll(std::string(text.substr(0, i)));
  const std::string_view unit = text.substr(i);
  int64_t scale = 0;
  if (unit == "ms")
    scale = 1;
  else if (unit == "s" || unit.empty())
    scale = 1000;
  else if (unit == "m" || unit == "min")
    scale = 60'000;
  else if (unit == "h")
    scale = 3'600'000;
  else if (unit == "d")
    scale = 86'400'000;
  else
    return Status::InvalidArgument("bad duration " + quoted + " (use ms, s, m, h or d)");
  if (n == 0) return Status::InvalidArgument("duration must be positive: " + quoted);
  return n * scale;
}

}  // namespace rectify
