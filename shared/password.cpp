#include "shared/password.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <charconv>
#include <vector>

#include "shared/sha256.h"

namespace rectify {

namespace {

constexpr size_t kHashBytes = 32;
constexpr size_t kSaltBytes = 16;

Result<std::string> Scrypt(std::string_view password, std::string_view salt,
                           const ScryptParams& p) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "SCRYPT", nullptr);
  if (!kdf) return Status::Internal("OpenSSL has no SCRYPT KDF");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!ctx) return Status::Internal("cannot make a SCRYPT context");
  uint64_t n = p.n;
  uint32_t r = p.r, par = p.p;
  // 64 MiB leaves room for N up to 2^16 with r = 8.
  uint64_t maxmem = 64ull << 20;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
                                        const_cast<char*>(password.data()), password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &par),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end()};
  std::string out(kHashBytes, '\0');
  const int ok =
      EVP_KDF_derive(ctx, reinterpret_cast<unsigned char*>(out.data()), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (ok != 1) return Status::Internal("scrypt failed");
  return out;
}

template <class T>
bool ParseNum(std::string_view s, T* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto pos = s.find(sep);
    parts.push_back(s.substr(0, pos));
    if (pos == std::string_view::npos) return parts;
    s.remove_prefix(pos + 1);
  }
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, ScryptParams params) {
  if (password.empty()) return Status::InvalidArgument("the password is empty");
  if (password.size() > 1024) return Status::InvalidArgument("the password is too long");
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
      1)
    return Status::Internal("no random salt");
  auto hash = Scrypt(password, salt, params);
  if (!hash.ok()) return hash.status();
  return "scrypt$" + std::to_string(params.n) + "$" + std::to_string(params.r) + "$" +
         std::to_string(params.p) + "$" + HexEncode(salt) + "$" + HexEncode(*hash);
}

bool VerifyPassword(std::string_view password, std::string_view stored) {
  const auto parts = Split(stored, '$');
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  ScryptParams p;
  if (!ParseNum(parts[1], &p.n) || !ParseNum(parts[2], &p.r) || !ParseNum(parts[3], &p.p))
    return false;
  if (p.n < 2 || p.n > (1u << 16) || p.r == 0 || p.r > 32 || p.p == 0 || p.p > 4) return false;
  auto salt = HexDecode(parts[4]);
  auto want = HexDecode(parts[5]);
  if (!salt.ok() || !want.ok() || want->size() != kHashBytes) return false;
  if (password.empty() || password.size() > 1024) return false;
  auto got = Scrypt(password, *salt, p);
  return got.ok() && CRYPTO_memcmp(got->data(), want->data(), kHashBytes) == 0;
}

}  // namespace rectify
