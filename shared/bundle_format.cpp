#include "shared/bundle_format.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <memory>
#include <sstream>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "shared/bounded_archive.h"
#include "shared/sha256.h"

namespace rectify {

template <class A>
void serialize(A& ar, BundleRejection& r) {
  ar(r.device_id, r.device_seq, r.reason);
}

// BundleContents are written by hand (EncodeContents/DecodeContents): the
// field list depends on the version, and evidence counts are checked against
// their limits before anything is allocated for them.

namespace {

constexpr size_t kMagicLen = sizeof(kBundleMagic) - 1;
// A bundle is read whole into memory: refuse absurd section lengths early.
constexpr uint32_t kMaxSection = 1u << 30;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::unique_ptr<BIO, BioFree> MemBio(std::string_view data) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

X509Ptr ParseCert(std::string_view pem) {
  auto bio = MemBio(pem);
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

void PutU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out->push_back(static_cast<char>((v >> shift) & 0xff));
}

// Reads one length-prefixed section at *pos; false if it does not fit.
bool GetSection(std::string_view in, size_t* pos, std::string_view* section) {
  if (in.size() - *pos < 4) return false;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(in[*pos + i]);
  *pos += 4;
  if (n > kMaxSection || in.size() - *pos < n) return false;
  *section = in.substr(*pos, n);
  *pos += n;
  return true;
}

void SaveEvidence(cereal::PortableBinaryOutputArchive& ar, const std::vector<BundleEvidence>& ev) {
  ar(static_cast<uint64_t>(ev.size()));
  for (const BundleEvidence& e : ev) {
    ar(e.sha256, e.size, static_cast<uint64_t>(e.chunks.size()));
    for (const BundleEvidenceChunk& c : e.chunks) ar(c.bytes, c.digest);
  }
}

Status LoadEvidence(BoundedInputArchive& ar, std::vector<BundleEvidence>* ev) {
  uint64_t files = 0;
  ar(files);
  if (files > kMaxBundleEvidenceFiles)
    return Status::Corruption("bundle claims " + std::to_string(files) +
                              " evidence files, over the limit of " +
                              std::to_string(kMaxBundleEvidenceFiles));
  ar.CheckClaim(files, 1);  // no slot before its bytes are there
  ev->resize(static_cast<size_t>(files));
  for (BundleEvidence& e : *ev) {
    uint64_t chunks = 0;
    ar(e.sha256, e.size, chunks);
    if (chunks > kMaxBundleEvidenceChunks)
      return Status::Corruption("evidence " + e.sha256.substr(0, 64) + " claims " +
                                std::to_string(chunks) + " chunks, over the limit of " +
                                std::to_string(kMaxBundleEvidenceChunks));
    ar.CheckClaim(chunks, 1);
    e.chunks.resize(static_cast<size_t>(chunks));
    for (BundleEvidenceChunk& c : e.chunks) ar(c.bytes, c.digest);
  }
  return Status::OK();
}

uint8_t VersionFor(const BundleContents& c) {
  return c.evidence.empty() ? kBundleVersionNoEvidence : kBundleVersion;
}

}  // namespace

std::string EncodeBundleContents(const BundleContents& c) {
  std::ostringstream os(std::ios::binary);
  {
    cereal::PortableBinaryOutputArchive ar(os);
    ar(c.school_id, c.device_id, c.body, c.rejections);
    if (VersionFor(c) >= 2) SaveEvidence(ar, c.evidence);
  }
  return os.str();
}

Status DecodeBundleContents(std::string_view bytes, uint8_t version, BundleContents* out) {
  try {
    BoundedInputArchive ar(bytes);
    ar(out->school_id, out->device_id, out->body, out->rejections);
    if (version >= 2) RECTIFY_RETURN_IF_ERROR(LoadEvidence(ar, &out->evidence));
    if (ar.remaining() != 0) return Status::Corruption("bundle contents have trailing bytes");
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("bundle contents are malformed: ") + e.what());
  }
  return Status::OK();
}

namespace {

bool IsShaHex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The entries one by one, then no hash twice.
Status VerifyAllEvidence(const std::vector<BundleEvidence>& ev) {
  std::vector<std::string_view> names;
  names.reserve(ev.size());
  for (const BundleEvidence& e : ev) {
    RECTIFY_RETURN_IF_ERROR(VerifyBundleEvidence(e));
    names.push_back(e.sha256);
  }
  std::sort(names.begin(), names.end());
  auto dup = std::adjacent_find(names.begin(), names.end());
  if (dup != names.end())
    return Status::Corruption("evidence " + std::string(*dup) + " appears twice in the bundle");
  return Status::OK();
}

Result<std::string> Sign(std::string_view data, EVP_PKEY* key) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1)
    return Status::Internal("cannot sign the bundle with this key");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    return Status::Internal("signing the bundle failed");
  sig.resize(len);
  return sig;
}

bool Verify(std::string_view data, std::string_view sig, EVP_PKEY* key) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

}  // namespace

const char* BundleKindName(BundleKind k) {
  return k == BundleKind::kSchoolToDistrict ? "school->district" : "district->school";
}

BundleEvidence MakeBundleEvidence(std::string_view file) {
  BundleEvidence e;
  e.sha256 = HashToHex(Sha256(file));
  e.size = file.size();
  for (size_t at = 0; at < file.size(); at += kBundleEvidenceChunk) {
    BundleEvidenceChunk c;
    c.bytes = std::string(file.substr(at, kBundleEvidenceChunk));
    c.digest = HashBytes(Sha256(c.bytes));
    e.chunks.push_back(std::move(c));
  }
  return e;
}

std::string JoinBundleEvidence(const BundleEvidence& e) {
  std::string out;
  out.reserve(static_cast<size_t>(e.size));
  for (const BundleEvidenceChunk& c : e.chunks) out += c.bytes;
  return out;
}

Status VerifyBundleEvidence(const BundleEvidence& e) {
  if (!IsShaHex(e.sha256))
    return Status::Corruption("bundle evidence name is not 64 lowercase hex digits: '" +
                              e.sha256.substr(0, 64) + "'");
  const std::string what = "evidence " + e.sha256;
  if (e.size == 0 || e.chunks.empty()) return Status::Corruption(what + ": empty file");
  uint64_t total = 0;
  for (size_t i = 0; i < e.chunks.size(); ++i) {
    const BundleEvidenceChunk& c = e.chunks[i];
    const std::string chunk = what + " chunk " + std::to_string(i + 1);
    if (c.bytes.empty() || c.bytes.size() > kBundleEvidenceChunk)
      return Status::Corruption(chunk + ": " + std::to_string(c.bytes.size()) + " bytes, not 1.." +
                                std::to_string(kBundleEvidenceChunk));
    if (HashBytes(Sha256(c.bytes)) != c.digest)
      return Status::Corruption(chunk + ": hash mismatch");
    total += c.bytes.size();
  }
  if (total != e.size)
    return Status::Corruption(what + ": the chunks hold " + std::to_string(total) +
                              " bytes but the size says " + std::to_string(e.size));
  const std::string whole = HashToHex(Sha256(JoinBundleEvidence(e)));
  if (whole != e.sha256)
    return Status::Corruption(what + ": whole-file hash mismatch (the bytes hash to " + whole +
                              ")");
  return Status::OK();
}

Result<std::string> SealBundle(const Bundle& bundle, std::string_view key_pem) {
  auto bio = MemBio(key_pem);
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return Status::InvalidArgument("the signing key is not a PEM private key");
  X509Ptr cert = ParseCert(bundle.signer_cert_pem);
  if (!cert) return Status::InvalidArgument("the signer certificate is not a PEM certificate");
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    return Status::InvalidArgument("the signing key does not match the signer certificate");
  const std::string contents = EncodeBundleContents(bundle.contents);
  if (contents.size() > kMaxSection) return Status::InvalidArgument("bundle too large");
  std::string out(kBundleMagic, kMagicLen);
  out.push_back(static_cast<char>(VersionFor(bundle.contents)));
  out.push_back(static_cast<char>(bundle.kind));
  PutU32(&out, static_cast<uint32_t>(contents.size()));
  out += contents;
  PutU32(&out, static_cast<uint32_t>(bundle.signer_cert_pem.size()));
  out += bundle.signer_cert_pem;
  auto sig = Sign(out, key.get());
  if (!sig.ok()) return sig.status();
  PutU32(&out, static_cast<uint32_t>(sig->size()));
  out += *sig;
  return out;
}

Result<Bundle> OpenBundle(std::string_view in, std::string_view ca_pem) {
  if (in.size() < kMagicLen + 2 ||
      in.substr(0, kMagicLen) != std::string_view(kBundleMagic, kMagicLen))
    return Status::Corruption("not a Rectify bundle (bad magic or truncated header)");
  const uint8_t version = static_cast<uint8_t>(in[kMagicLen]);
  if (version != kBundleVersionNoEvidence && version != kBundleVersion)
    return Status::Corruption("unsupported bundle version " + std::to_string(version) +
                              " (this program reads versions 1 and 2)");
  const uint8_t kind = static_cast<uint8_t>(in[kMagicLen + 1]);
  if (kind != 1 && kind != 2)
    return Status::Corruption("unknown bundle kind " + std::to_string(kind));
  size_t pos = kMagicLen + 2;
  std::string_view contents, cert_pem, sig;
  if (!GetSection(in, &pos, &contents) || !GetSection(in, &pos, &cert_pem))
    return Status::Corruption("bundle is truncated");
  const std::string_view signed_part = in.substr(0, pos);
  if (!GetSection(in, &pos, &sig)) return Status::Corruption("bundle is truncated (signature)");
  if (pos != in.size()) return Status::Corruption("bundle has trailing bytes after the signature");
  X509Ptr cert = ParseCert(cert_pem);
  if (!cert) return Status::Corruption("bundle signer certificate is unreadable");
  PkeyPtr key(X509_get_pubkey(cert.get()));
  if (!key || !Verify(signed_part, sig, key.get()))
    return Status::Corruption("bundle signature is invalid: the file was altered or damaged");
  // A stranger's bytes are never decoded: the signer must belong to the district.
  RECTIFY_RETURN_IF_ERROR(VerifyBundleSigner(cert_pem, ca_pem));
  // Only now, with the bytes authenticated, is the payload decoded.
  Bundle b;
  b.kind = static_cast<BundleKind>(kind);
  b.signer_cert_pem = std::string(cert_pem);
  RECTIFY_RETURN_IF_ERROR(DecodeBundleContents(contents, version, &b.contents));
  // Every evidence byte is checked before any caller can store anything.
  RECTIFY_RETURN_IF_ERROR(VerifyAllEvidence(b.contents.evidence));
  return b;
}

Status VerifyBundleSigner(std::string_view cert_pem, std::string_view ca_pem) {
  X509Ptr cert = ParseCert(cert_pem);
  X509Ptr ca = ParseCert(ca_pem);
  if (!cert) return Status::PermissionDenied("bundle signer certificate is unreadable");
  if (!ca) return Status::InvalidArgument("the district CA certificate is unreadable");
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1)
    return Status::Internal("cannot set up certificate verification");
  if (X509_verify_cert(ctx.get()) != 1)
    return Status::PermissionDenied(
        std::string("bundle signer is not certified by this district's CA: ") +
        X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  return Status::OK();
}

Result<std::string> CertificateOrgUnit(std::string_view cert_pem) {
  X509Ptr cert = ParseCert(cert_pem);
  if (!cert) return Status::InvalidArgument("certificate is unreadable");
  X509_NAME* name = X509_get_subject_name(cert.get());
  const int idx = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, -1);
  if (idx < 0) return std::string();
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return Status::InvalidArgument("certificate OU is not text");
  std::string ou(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return ou;
}

}  // namespace rectify
