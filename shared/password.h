// Password hashing with scrypt (OpenSSL EVP_KDF "SCRYPT"), for console
// accounts (docs/console.md). The stored form names its parameters:
//   scrypt$N$r$p$<salt hex>$<hash hex>
// so they can be raised later without breaking stored hashes. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace rectify {

struct ScryptParams {
  uint64_t n = 1u << 15;  // 32 MiB with r = 8
  uint32_t r = 8;
  uint32_t p = 1;
};

// A fresh random salt and the stored form. InvalidArgument for an empty
// password or one longer than 1024 bytes.
Result<std::string> HashPassword(std::string_view password, ScryptParams params = {});

// True if `password` matches `stored` (compared in constant time); false for
// a stored form that does not parse.
bool VerifyPassword(std::string_view password, std::string_view stored);

}  // namespace rectify
