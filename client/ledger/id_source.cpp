#include "client/ledger/id_source.h"

#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <random>

namespace rectify {

std::string RandomIdSource::NewId() {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    // OpenSSL's DRBG failing means the process has no entropy source at all;
    // fall back to the OS device through std::random_device rather than abort.
    std::random_device rd;
    for (auto& c : b) c = static_cast<unsigned char>(rd());
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

RandomIdSource& RandomIdSource::Instance() {
  static RandomIdSource ids;
  return ids;
}

std::string SequentialIdSource::NewId() {
  char num[32];
  std::snprintf(num, sizeof num, "%06llu", static_cast<unsigned long long>(next_++));
  return prefix_ + "-" + num;
}

}  // namespace rectify
