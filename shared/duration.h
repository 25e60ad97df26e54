// Durations as people type them on a command line. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "shared/status.h"

namespace rectify {

// "500ms", "30s", "5m" (or "5min"), "2h", "1d", or a bare number of seconds ->
// milliseconds. InvalidArgument (quoting the text) for anything else, zero,
// a sign, spaces, or more than 12 digits.
Result<int64_t> ParseDuration(std::string_view text);

}  // namespace rectify
