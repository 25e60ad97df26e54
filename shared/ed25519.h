// Ed25519 keys through OpenSSL EVP (EVP_PKEY_ED25519, one-shot EVP_DigestSign
// with no digest, as RFC 8032 "pure" Ed25519 requires).
//
// Both classes are cheap to copy (they share one immutable EVP_PKEY) and safe to
// use from several threads at once. Key material is never logged; error
// messages never contain it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "shared/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace rectify {

class SigningKey {
 public:
  static Result<SigningKey> Generate();
  // PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), unencrypted. Rejects other
  // key types.
  static Result<SigningKey> FromPem(std::string_view pem);
  std::string ToPem() const;

  // The 64-byte signature of `msg`.
  std::string Sign(std::string_view msg) const;
  // The 32-byte raw public key.
  std::string PublicKeyRaw() const;

 private:
  explicit SigningKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

class VerifyingKey {
 public:
  // Exactly 32 raw bytes.
  static Result<VerifyingKey> FromRaw(std::string_view raw);
  // SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"), as
  // `openssl pkey -pubout` writes it.
  static Result<VerifyingKey> FromPem(std::string_view pem);
  static VerifyingKey FromSigningKey(const SigningKey& key);
  std::string ToPem() const;
  std::string Raw() const;

  // True iff `sig` is a valid 64-byte signature of `msg` by this key.
  bool Verify(std::string_view msg, std::string_view sig) const;

 private:
  explicit VerifyingKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace rectify
