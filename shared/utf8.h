// Strict UTF-8 (RFC 3629, Unicode D92 table of well-formed sequences): no
// overlong forms, no surrogates, nothing above U+10FFFF. The one validator
// of the project: ids, audit leaves and spreadsheet imports all use it.
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace rectify {

// Length (1-4) of the well-formed sequence starting at s[i], or 0 if none
// starts there (including i >= s.size()).
size_t Utf8SequenceLength(std::string_view s, size_t i);

bool IsValidUtf8(std::string_view s);

}  // namespace rectify
