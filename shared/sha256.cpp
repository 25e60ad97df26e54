#include "shared/sha256.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>

namespace rectify {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Fetching the algorithm once avoids OpenSSL 3's per-call implicit fetch, which
// dominates the cost of hashing 65-byte Merkle nodes.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

// One context per thread: reused across calls, never shared.
EVP_MD_CTX* ThreadCtx() {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Hash Sha256Concat(std::initializer_list<std::string_view> parts) {
  Hash out{};
  EVP_MD_CTX* ctx = ThreadCtx();
  // These calls fail only on allocation failure or a broken OpenSSL build;
  // there is no meaningful recovery, and a zero hash never verifies anything.
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, Sha256Md(), nullptr) != 1) return out;
  for (std::string_view p : parts) {
    if (EVP_DigestUpdate(ctx, p.data(), p.size()) != 1) return Hash{};
  }
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != out.size()) return Hash{};
  return out;
}

Hash Sha256(std::string_view data) { return Sha256Concat({data}); }

std::string HashBytes(const Hash& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

Result<Hash> HashFromBytes(std::string_view bytes) {
  Hash h{};
  if (bytes.size() != h.size()) {
    return Status::InvalidArgument("hash must be 32 bytes, got " + std::to_string(bytes.size()));
  }
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(bytes[i]);
  return h;
}

std::string HexEncode(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::InvalidArgument("hex: odd length");
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]);
    int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("hex: not a hex digit");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string HashToHex(const Hash& h) { return HexEncode(HashBytes(h)); }

Result<Hash> HashFromHex(std::string_view hex) {
  Result<std::string> bytes = HexDecode(hex);
  if (!bytes.ok()) return bytes.status();
  return HashFromBytes(*bytes);
}

Result<std::string> FileSha256Hex(const std::string& path, uint64_t* size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    return Status::Internal("SHA-256 unavailable");
  std::string buf(1 << 16, '\0');
  uint64_t total = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
    total += n;
  }
  if (in.bad()) return Status::IOError("cannot read " + path);
  Hash h{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), h.data(), &len);
  if (size) *size = total;
  return HashToHex(h);
}

}  // namespace rectify
