#include "shared/ed25519.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <climits>

namespace rectify {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* k) { return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free); }

BioPtr ReadBio(std::string_view pem) {
  if (pem.size() > INT_MAX) return nullptr;
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

bool IsEd25519(const EVP_PKEY* k) { return k != nullptr && EVP_PKEY_get_id(k) == EVP_PKEY_ED25519; }

std::string RawPublic(EVP_PKEY* k) {
  std::string out(32, '\0');
  size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(k, reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != 32) {
    return std::string();
  }
  return out;
}

}  // namespace

Result<SigningKey> SigningKey::Generate() {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (k == nullptr) return Status::Internal("ed25519: key generation failed");
  return SigningKey(Own(k));
}

Result<SigningKey> SigningKey::FromPem(std::string_view pem) {
  BioPtr bio = ReadBio(pem);
  if (!bio) return Status::InvalidArgument("ed25519: private key PEM too large");
  // An empty passphrase callback makes encrypted keys fail instead of prompting.
  auto no_pass = [](char*, int, int, void*) -> int { return 0; };
  std::shared_ptr<EVP_PKEY> k = Own(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_pass, nullptr));
  if (!k) return Status::InvalidArgument("ed25519: not a readable PEM private key");
  if (!IsEd25519(k.get())) return Status::InvalidArgument("ed25519: private key is not Ed25519");
  return SigningKey(std::move(k));
}

std::string SigningKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return std::string();
  }
  return BioContents(bio.get());
}

std::string SigningKey::Sign(std::string_view msg) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(64, '\0');
  size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) != 1 ||
      len != 64) {
    // Only allocation failure gets here; an empty signature never verifies.
    return std::string();
  }
  return sig;
}

std::string SigningKey::PublicKeyRaw() const { return RawPublic(key_.get()); }

Result<VerifyingKey> VerifyingKey::FromRaw(std::string_view raw) {
  if (raw.size() != 32) return Status::InvalidArgument("ed25519: public key must be 32 bytes");
  EVP_PKEY* k = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  if (k == nullptr) return Status::InvalidArgument("ed25519: bad public key");
  return VerifyingKey(Own(k));
}

Result<VerifyingKey> VerifyingKey::FromPem(std::string_view pem) {
  BioPtr bio = ReadBio(pem);
  if (!bio) return Status::InvalidArgument("ed25519: public key PEM too large");
  std::shared_ptr<EVP_PKEY> k = Own(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!k) return Status::InvalidArgument("ed25519: not a readable PEM public key");
  if (!IsEd25519(k.get())) return Status::InvalidArgument("ed25519: public key is not Ed25519");
  return VerifyingKey(std::move(k));
}

VerifyingKey VerifyingKey::FromSigningKey(const SigningKey& key) {
  // Re-deriving from the raw public half keeps the private key out of this object.
  Result<VerifyingKey> v = FromRaw(key.PublicKeyRaw());
  return v.ok() ? *v : VerifyingKey(nullptr);
}

std::string VerifyingKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!key_ || !bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) return std::string();
  return BioContents(bio.get());
}

std::string VerifyingKey::Raw() const { return key_ ? RawPublic(key_.get()) : std::string(); }

bool VerifyingKey::Verify(std::string_view msg, std::string_view sig) const {
  if (!key_ || sig.size() != 64) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
}

}  // namespace rectify
