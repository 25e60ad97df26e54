#include <doctest/doctest.h>

#include "shared/base64.h"
#include "shared/ed25519.h"
#include "shared/sha256.h"

using namespace rectify;

namespace {

// RFC 8032 §7.1 TEST 1 (empty message) and TEST 2 (one byte 0x72).
const char kSeedHex[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const char kPubHex[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const char kSig1Hex[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
    "6bd25bf5f0595bbe24655141438e7a100b";

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410 §7 fixed DER prefix).
std::string Pkcs8Pem(const std::string& seed) {
  std::string der = *HexDecode("302e020100300506032b657004220420") + seed;
  return "-----BEGIN PRIVATE KEY-----\n" + Base64Encode(der) + "\n-----END PRIVATE KEY-----\n";
}

}  // namespace

TEST_CASE("ed25519: RFC 8032 test vector through PKCS#8 PEM") {
  Result<SigningKey> key = SigningKey::FromPem(Pkcs8Pem(*HexDecode(kSeedHex)));
  REQUIRE(key.ok());
  CHECK(HexEncode(key->PublicKeyRaw()) == kPubHex);
  CHECK(HexEncode(key->Sign("")) == kSig1Hex);
  Result<VerifyingKey> pub = VerifyingKey::FromRaw(*HexDecode(kPubHex));
  REQUIRE(pub.ok());
  CHECK(pub->Verify("", *HexDecode(kSig1Hex)));
  CHECK(!pub->Verify("x", *HexDecode(kSig1Hex)));
}

TEST_CASE("ed25519: generate, sign, verify, and reject tampering") {
  SigningKey key = *SigningKey::Generate();
  VerifyingKey pub = VerifyingKey::FromSigningKey(key);
  CHECK(pub.Raw() == key.PublicKeyRaw());
  CHECK(pub.Raw().size() == 32);
  std::string msg = "整改台账 checkpoint\n";
  std::string sig = key.Sign(msg);
  REQUIRE(sig.size() == 64);
  CHECK(pub.Verify(msg, sig));
  for (size_t i = 0; i < sig.size(); i += 7) {
    std::string bad = sig;
    bad[i] ^= 0x01;
    CHECK(!pub.Verify(msg, bad));
  }
  CHECK(!pub.Verify(msg + " ", sig));
  CHECK(!pub.Verify(msg, sig.substr(0, 63)));
  CHECK(!pub.Verify(msg, ""));
  SigningKey other = *SigningKey::Generate();
  CHECK(!VerifyingKey::FromSigningKey(other).Verify(msg, sig));
}

TEST_CASE("ed25519: PEM round trips and rejects other inputs") {
  SigningKey key = *SigningKey::Generate();
  std::string pem = key.ToPem();
  CHECK(pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  Result<SigningKey> back = SigningKey::FromPem(pem);
  REQUIRE(back.ok());
  CHECK(back->PublicKeyRaw() == key.PublicKeyRaw());

  VerifyingKey pub = VerifyingKey::FromSigningKey(key);
  std::string pub_pem = pub.ToPem();
  CHECK(pub_pem.rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);
  Result<VerifyingKey> pub_back = VerifyingKey::FromPem(pub_pem);
  REQUIRE(pub_back.ok());
  CHECK(pub_back->Raw() == key.PublicKeyRaw());
  CHECK(pub_back->Verify("m", key.Sign("m")));

  CHECK(!SigningKey::FromPem("garbage").ok());
  CHECK(!SigningKey::FromPem(pub_pem).ok());
  CHECK(
      !VerifyingKey::FromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").ok());
  CHECK(!VerifyingKey::FromRaw(std::string(31, 'a')).ok());
  CHECK(!VerifyingKey::FromRaw(std::string(33, 'a')).ok());
}

TEST_CASE("base64 and hex: strict decoding") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
  CHECK(*Base64Decode("Zm9vYmE=") == "fooba");
  CHECK(*Base64Decode("Zg==") == "f");
  for (const char* bad : {"Zg=", "Zg", "Zh==", "Zm8", "Zm9=", "Z===", "====", "Zm9v\n", " Zm9v",
                          "Zm-v", "Zm9v====", "Z=9v"}) {
    INFO(bad);
    CHECK(!Base64Decode(bad).ok());
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 17) {
    CHECK(*Base64Decode(Base64Encode(all.substr(0, n))) == all.substr(0, n));
  }
  CHECK(*HexDecode("00fFaB") == std::string("\x00\xff\xab", 3));
  CHECK(!HexDecode("0").ok());
  CHECK(!HexDecode("zz").ok());
  CHECK(!HashFromHex("00").ok());
}
