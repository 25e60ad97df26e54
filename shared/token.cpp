#include "shared/token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "shared/sha256.h"

namespace rectify {

std::string NewToken() {
  std::string raw(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");  // no entropy: nothing safe to do
  return HexEncode(raw);
}

bool TokenEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string TokenDigest(std::string_view token) { return HashToHex(Sha256(token)); }

}  // namespace rectify
