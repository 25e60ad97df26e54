// SHA-256 through OpenSSL EVP, plus hex helpers for hashes.
// All functions are thread-safe (no shared mutable state beyond OpenSSL's own).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace rectify {

using Hash = std::array<uint8_t, 32>;

// SHA-256 of `data`.
Hash Sha256(std::string_view data);
// SHA-256 of the concatenation of `parts`, without building the concatenation.
Hash Sha256Concat(std::initializer_list<std::string_view> parts);

// The 32 raw bytes of `h` as a string (for hashing, base64, storage).
std::string HashBytes(const Hash& h);
// Fails unless `bytes` is exactly 32 bytes long.
Result<Hash> HashFromBytes(std::string_view bytes);

// Lowercase hex; decoding accepts either case and rejects odd lengths/non-hex.
std::string HexEncode(std::string_view bytes);
Result<std::string> HexDecode(std::string_view hex);
std::string HashToHex(const Hash& h);
Result<Hash> HashFromHex(std::string_view hex);

// Streaming SHA-256 of a file as lowercase hex; `size` (optional) gets its length.
Result<std::string> FileSha256Hex(const std::string& path, uint64_t* size);

}  // namespace rectify
