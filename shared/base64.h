// Standard base64 (RFC 4648 §4, with '=' padding), as used by C2SP signed notes
// and checkpoints. Thread-safe pure functions.
#pragma once

#include <string>
#include <string_view>

#include "shared/status.h"

namespace rectify {

std::string Base64Encode(std::string_view bytes);

// Strict: rejects whitespace, missing or extra padding, characters outside the
// standard alphabet, and non-zero unused bits, so every byte string has exactly
// one accepted encoding (signed text must not have two spellings).
Result<std::string> Base64Decode(std::string_view text);

}  // namespace rectify
