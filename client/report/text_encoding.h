// Decoding of spreadsheet exports into UTF-8. Chinese Excel saves "CSV" either
// as UTF-8 with a BOM ("CSV UTF-8") or in the ANSI code page, which on
// simplified-Chinese Windows is GBK, a subset of GB18030.
// Pure functions; thread-safe (iconv handles are per call).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace rectify {

// Returns `bytes` as UTF-8. A leading UTF-8 BOM is stripped. Valid UTF-8 is
// kept as is; anything else is decoded as GB18030. If the bytes are valid in
// neither, returns InvalidArgument naming the byte offset (in `bytes`) where
// each decoding failed. On success, if `detected` is not null it receives
// "utf-8", "utf-8-bom" or "gb18030".
Result<std::string> ToUtf8(std::string_view bytes, std::string* detected);

// Offset of the first byte that is not part of a well-formed UTF-8 sequence
// (overlongs, surrogates and code points above U+10FFFF are ill-formed), or
// nullopt when `bytes` is valid UTF-8.
std::optional<size_t> FirstInvalidUtf8(std::string_view bytes);

}  // namespace rectify
