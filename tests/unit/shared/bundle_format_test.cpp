#include "shared/bundle_format.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>
#include <utility>

#include "shared/sha256.h"
#include "support/alloc_probe.h"

namespace rectify {
namespace {

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string s(data, static_cast<size_t>(n));
  BIO_free(bio);
  return s;
}

// A fresh P-256 key and a certificate for it (OU = `ou`), signed by
// `issuer_key` (self-signed when null). PEM strings.
struct TestCert {
  std::string key_pem, cert_pem;
  EVP_PKEY* key = nullptr;
  ~TestCert() { EVP_PKEY_free(key); }
};

void MakeCert(TestCert* out, const std::string& cn, const std::string& ou, const TestCert* issuer) {
  out->key = EVP_EC_gen("P-256");
  REQUIRE(out->key != nullptr);
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
  X509_set_pubkey(x, out->key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(ou.c_str()), -1, -1, 0);
  if (issuer) {
    X509* ic = nullptr;
    BIO* b = BIO_new_mem_buf(issuer->cert_pem.data(), static_cast<int>(issuer->cert_pem.size()));
    ic = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    X509_set_issuer_name(x, X509_get_subject_name(ic));
    X509_free(ic);
  } else {
    X509_set_issuer_name(x, name);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints,
                                              const_cast<char*>("critical,CA:TRUE"));
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  REQUIRE(X509_sign(x, issuer ? issuer->key : out->key, EVP_sha256()) > 0);
  BIO* cb = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cb, x);
  out->cert_pem = BioText(cb);
  BIO* kb = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(kb, out->key, nullptr, nullptr, 0, nullptr, nullptr);
  out->key_pem = BioText(kb);
  X509_free(x);
}

Bundle Sample(const TestCert& signer) {
  Bundle b;
  b.kind = BundleKind::kDistrictToSchool;
  b.contents.school_id = "school-一中";
  b.contents.device_id = "dev-1";
  // "\x01" "binary": separate literals, or the escape would eat the 'b'.
  b.contents.body = std::string("\0\x01", 2) + "binary body\xff";
  b.contents.rejections = {{"dev-1", 3, "only an auditor can verify"}, {"dev-2", 9, "x"}};
  b.signer_cert_pem = signer.cert_pem;
  return b;
}

struct Fixture {
  TestCert ca, device, other_ca, other_device;
  Fixture() {
    MakeCert(&ca, "ca", "ca", nullptr);
    MakeCert(&device, "dev-1", "school", &ca);
    MakeCert(&other_ca, "ca", "ca", nullptr);
    // Same-length PEM as `device`, so one can be swapped for the other in place.
    for (int i = 0; i < 50; ++i) {
      TestCert c;
      MakeCert(&c, "dev-1", "school", &other_ca);
      if (c.cert_pem.size() != device.cert_pem.size()) continue;
      other_device.key_pem = c.key_pem;
      other_device.cert_pem = c.cert_pem;
      std::swap(other_device.key, c.key);
      break;
    }
  }
};

TEST_CASE("bundle round trip keeps every field and names the signer") {
  Fixture f;
  Bundle in = Sample(f.device);
  auto sealed = SealBundle(in, f.device.key_pem);
  REQUIRE(sealed.ok());
  CHECK(sealed->starts_with("RECTIFY-BUNDLE\n"));
  auto out = OpenBundle(*sealed, f.ca.cert_pem);
  REQUIRE(out.ok());
  CHECK(out->kind == BundleKind::kDistrictToSchool);
  CHECK(out->contents == in.contents);
  CHECK(out->signer_cert_pem == f.device.cert_pem);
  CHECK(VerifyBundleSigner(out->signer_cert_pem, f.ca.cert_pem).ok());
  CHECK(*CertificateOrgUnit(out->signer_cert_pem) == "school");
}

TEST_CASE("every truncation is refused") {
  Fixture f;
  auto sealed = SealBundle(Sample(f.device), f.device.key_pem);
  REQUIRE(sealed.ok());
  for (size_t n = 0; n < sealed->size(); n += 97) {
    CAPTURE(n);
    CHECK(OpenBundle(std::string_view(*sealed).substr(0, n), f.ca.cert_pem).status().code() ==
          Status::Code::kCorruption);
  }
  CHECK_FALSE(
      OpenBundle(std::string_view(*sealed).substr(0, sealed->size() - 1), f.ca.cert_pem).ok());
  CHECK_FALSE(OpenBundle(*sealed + "x", f.ca.cert_pem).ok());  // trailing bytes
}

TEST_CASE("every flipped bit outside the signature's slack is refused") {
  Fixture f;
  auto sealed = SealBundle(Sample(f.device), f.device.key_pem);
  REQUIRE(sealed.ok());
  int accepted = 0;
  for (size_t i = 0; i < sealed->size(); i += 7) {
    std::string bad = *sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    if (OpenBundle(bad, f.ca.cert_pem).ok()) ++accepted;
  }
  CHECK(accepted == 0);
}

TEST_CASE("a wrong key, a foreign CA and a mismatched key are refused") {
  Fixture f;
  // Sealing with a key that is not the certificate's is refused up front.
  CHECK(SealBundle(Sample(f.device), f.other_device.key_pem).status().code() ==
        Status::Code::kInvalidArgument);
  // A bundle whose certificate is swapped for another one fails the signature.
  auto sealed = SealBundle(Sample(f.device), f.device.key_pem);
  REQUIRE(sealed.ok());
  std::string swapped = *sealed;
  const size_t at = swapped.find(f.device.cert_pem);
  REQUIRE(at != std::string::npos);
  REQUIRE(f.other_device.cert_pem.size() == f.device.cert_pem.size());
  swapped.replace(at, f.device.cert_pem.size(), f.other_device.cert_pem);
  CHECK(OpenBundle(swapped, f.ca.cert_pem).status().code() == Status::Code::kCorruption);
  // Well signed, but by a device of another district.
  auto foreign = SealBundle(Sample(f.other_device), f.other_device.key_pem);
  REQUIRE(foreign.ok());
  CHECK(VerifyBundleSigner(f.other_device.cert_pem, f.ca.cert_pem).code() ==
        Status::Code::kPermissionDenied);
  // OpenBundle checks the signer against the CA before decoding anything.
  auto opened = OpenBundle(*foreign, f.ca.cert_pem);
  CHECK(opened.status().code() == Status::Code::kPermissionDenied);
  CHECK(opened.status().message().find("not certified by this district's CA") != std::string::npos);
}

// A deterministic file of `n` bytes.
std::string FileBytes(size_t n, uint8_t seed) {
  std::string s(n, '\0');
  uint32_t x = 2463534242u + seed;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return s;
}

Bundle WithEvidence(const TestCert& signer) {
  Bundle b = Sample(signer);
  b.contents.evidence.push_back(MakeBundleEvidence(FileBytes(kBundleEvidenceChunk * 2 + 7, 1)));
  b.contents.evidence.push_back(MakeBundleEvidence("a one-line scan"));
  return b;
}

TEST_CASE("evidence is cut into hashed chunks and survives a round trip in a version 2 bundle") {
  Fixture f;
  Bundle in = WithEvidence(f.device);
  const BundleEvidence& big = in.contents.evidence[0];
  REQUIRE(big.chunks.size() == 3);
  CHECK(big.chunks[0].bytes.size() == kBundleEvidenceChunk);
  CHECK(big.chunks[2].bytes.size() == 7);
  CHECK(big.size == kBundleEvidenceChunk * 2 + 7);
  CHECK(big.sha256 == HashToHex(Sha256(FileBytes(kBundleEvidenceChunk * 2 + 7, 1))));
  CHECK(JoinBundleEvidence(big) == FileBytes(kBundleEvidenceChunk * 2 + 7, 1));
  CHECK(VerifyBundleEvidence(big).ok());

  auto sealed = SealBundle(in, f.device.key_pem);
  REQUIRE(sealed.ok());
  CHECK(static_cast<uint8_t>((*sealed)[15]) == 2);
  auto out = OpenBundle(*sealed, f.ca.cert_pem);
  REQUIRE(out.ok());
  CHECK(out->contents == in.contents);
}

TEST_CASE("a bundle without evidence is still written and read as version 1") {
  Fixture f;
  auto sealed = SealBundle(Sample(f.device), f.device.key_pem);
  REQUIRE(sealed.ok());
  CHECK(static_cast<uint8_t>((*sealed)[15]) == 1);
  auto out = OpenBundle(*sealed, f.ca.cert_pem);
  REQUIRE(out.ok());
  CHECK(out->contents.evidence.empty());
  // An unknown version is refused by name (the signature would fail anyway).
  std::string v3 = *sealed;
  v3[15] = 3;
  CHECK(OpenBundle(v3, f.ca.cert_pem).status().message().find("unsupported bundle version 3") !=
        std::string::npos);
}

// Re-signed with the right key, so only the evidence checks can catch it.
Status OpenResigned(const Fixture& f, const Bundle& b) {
  auto sealed = SealBundle(b, f.device.key_pem);
  REQUIRE(sealed.ok());
  return OpenBundle(*sealed, f.ca.cert_pem).status();
}

TEST_CASE("altered evidence is refused even when the bundle is validly re-signed") {
  Fixture f;
  const Bundle good = WithEvidence(f.device);
  const std::string sha = good.contents.evidence[0].sha256;

  Bundle b = good;  // one byte of chunk 2 changed, its recorded hash kept
  b.contents.evidence[0].chunks[1].bytes[100] ^= 0x01;
  Status st = OpenResigned(f, b);
  CHECK(st.code() == Status::Code::kCorruption);
  CHECK(st.message() == "evidence " + sha + " chunk 2: hash mismatch");

  b = good;  // chunk 3 changed and re-hashed: only the whole-file hash differs
  b.contents.evidence[0].chunks[2].bytes = "1234567";
  b.contents.evidence[0].chunks[2].digest = HashBytes(Sha256("1234567"));
  st = OpenResigned(f, b);
  CHECK(st.message().find("evidence " + sha + ": whole-file hash mismatch") == 0);

  b = good;  // a chunk left out
  b.contents.evidence[0].chunks.pop_back();
  CHECK(OpenResigned(f, b).message().find("the chunks hold") != std::string::npos);

  b = good;  // the size lies
  b.contents.evidence[1].size += 1;
  CHECK(OpenResigned(f, b).message().find("but the size says") != std::string::npos);

  b = good;  // the same file twice
  b.contents.evidence.push_back(good.contents.evidence[1]);
  CHECK(OpenResigned(f, b).message().find("appears twice") != std::string::npos);

  b = good;  // a name that is not a hash (e.g. a path)
  b.contents.evidence[1].sha256 = "../../etc/passwd";
  CHECK(OpenResigned(f, b).message().find("not 64 lowercase hex") != std::string::npos);

  b = good;  // an oversized chunk, though its hashes agree
  b.contents.evidence[0] = MakeBundleEvidence(FileBytes(kBundleEvidenceChunk + 1, 2));
  b.contents.evidence[0].chunks[0].bytes += b.contents.evidence[0].chunks[1].bytes;
  b.contents.evidence[0].chunks[0].digest =
      HashBytes(Sha256(b.contents.evidence[0].chunks[0].bytes));
  b.contents.evidence[0].chunks.pop_back();
  CHECK(OpenResigned(f, b).message().find("chunk 1: " + std::to_string(kBundleEvidenceChunk + 1) +
                                          " bytes") != std::string::npos);

  CHECK(OpenResigned(f, good).ok());
}

TEST_CASE("an absurd number of evidence files is refused before they are read") {
  Fixture f;
  Bundle b = Sample(f.device);
  const BundleEvidence tiny = MakeBundleEvidence("x");
  b.contents.evidence.assign(kMaxBundleEvidenceFiles + 1, tiny);
  Status st = OpenResigned(f, b);
  CHECK(st.code() == Status::Code::kCorruption);
  CHECK(st.message().find("over the limit of " + std::to_string(kMaxBundleEvidenceFiles)) !=
        std::string::npos);
}

// A version-`version` envelope around raw `contents`, signed with `signer`'s
// key (docs/bundles.md), so the contents section can be anything at all.
std::string SignedEnvelope(const TestCert& signer, const std::string& contents, uint8_t version) {
  auto section = [](std::string* out, const std::string& bytes) {
    const auto n = static_cast<uint32_t>(bytes.size());
    for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(n >> shift));
    *out += bytes;
  };
  std::string out = kBundleMagic;
  out.push_back(static_cast<char>(version));
  out.push_back(static_cast<char>(BundleKind::kSchoolToDistrict));
  section(&out, contents);
  section(&out, signer.cert_pem);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  REQUIRE(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, signer.key) == 1);
  REQUIRE(EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(out.data()),
                         out.size()) == 1);
  std::string sig(len, '\0');
  REQUIRE(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                         reinterpret_cast<const unsigned char*>(out.data()), out.size()) == 1);
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  section(&out, sig);
  return out;
}

// Endianness flag, then a school id of 2^30 bytes of which 3 are present.
std::string HugeClaim() { return std::string("\x01\x00\x00\x00\x40\x00\x00\x00\x00", 9) + "abc"; }

TEST_CASE("a 12-byte contents section claiming 1 GiB is refused without allocating it") {
  Fixture f;
  const std::string contents = HugeClaim();
  REQUIRE(contents.size() == 12);
  for (uint8_t version : {kBundleVersionNoEvidence, kBundleVersion}) {
    CAPTURE(static_cast<int>(version));
    const std::string bundle = SignedEnvelope(f.device, contents, version);
    rectify::testing::AllocationProbe probe;
    auto opened = OpenBundle(bundle, f.ca.cert_pem);
    CHECK(opened.status().code() == Status::Code::kCorruption);
    CHECK(opened.status().message().find("claims 1073741824") != std::string::npos);
    CHECK(probe.largest_request() < 64 * 1024);
  }
}

TEST_CASE("a bundle signed outside the district is refused before its contents are decoded") {
  Fixture f;
  const std::string contents = HugeClaim();
  const std::string bundle = SignedEnvelope(f.other_device, contents, kBundleVersion);
  auto opened = OpenBundle(bundle, f.ca.cert_pem);
  // The signer check answers, not the decoder (which would say Corruption).
  CHECK(opened.status().code() == Status::Code::kPermissionDenied);
  // And its own district's CA gets as far as the contents.
  CHECK(OpenBundle(bundle, f.other_ca.cert_pem).status().code() == Status::Code::kCorruption);
}

}  // namespace
}  // namespace rectify
