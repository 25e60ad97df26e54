// Offline bundles (docs/bundles.md): a signed envelope that carries sync
// messages on a USB stick when there is no link at all. Pure: bytes in,
// values out; no files, no clock (certificate validity is checked against
// the system time by OpenSSL's chain verifier, as TLS would).
//
// Envelope, all integers big-endian:
//   "RECTIFY-BUNDLE\n"  15 bytes magic
//   u8 version (1)      u8 kind (1 school->district, 2 district->school)
//   u32 n  contents     cereal portable binary of BundleContents
//   u32 n  certificate  the signer's certificate, PEM
//   u32 n  signature    ECDSA-with-SHA256 (DER) over every byte before it
// Nothing may follow the signature.
//
// Thread-safe pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/status.h"

namespace rectify {

inline constexpr char kBundleMagic[] = "RECTIFY-BUNDLE\n";
inline constexpr uint8_t kBundleVersion = 1;

enum class BundleKind : uint8_t { kSchoolToDistrict = 1, kDistrictToSchool = 2 };
const char* BundleKindName(BundleKind k);  // "school->district", "district->school"

// The outcome of a device op the district rejected, so that a school that
// only ever syncs by bundle can drop it from its outbox (docs/bundles.md).
struct BundleRejection {
  std::string device_id;  // the ledger device that made the op
  uint64_t device_seq = 0;
  std::string reason;
  bool operator==(const BundleRejection&) const = default;
};

struct BundleContents {
  std::string school_id;
  std::string device_id;  // school bundles: the ledger's device id; else empty
  // A protocol message body (protocol::EncodeBody): a PushBatch for
  // school->district, a PullResponse for district->school.
  std::string body;
  std::vector<BundleRejection> rejections;  // district->school only
  bool operator==(const BundleContents&) const = default;
};

struct Bundle {
  BundleKind kind = BundleKind::kSchoolToDistrict;
  BundleContents contents;
  std::string signer_cert_pem;
};

// Serialises and signs. `key_pem` is the signer's private key (PEM, EC
// P-256 or any key OpenSSL signs SHA-256 digests with); it must match
// `signer_cert_pem` (checked: InvalidArgument otherwise).
Result<std::string> SealBundle(const Bundle& bundle, std::string_view key_pem);

// Parses and checks the signature against the embedded certificate's key.
// Corruption for truncation, trailing bytes, a bad magic/version/kind or a
// bad signature. Does NOT check who signed: see VerifyBundleSigner.
Result<Bundle> OpenBundle(std::string_view bytes);

// PermissionDenied unless `cert_pem` chains to the CA in `ca_pem` (and is
// valid now).
Status VerifyBundleSigner(std::string_view cert_pem, std::string_view ca_pem);

// The OU of a certificate's subject ("school", "auditor", "server"), empty if none.
Result<std::string> CertificateOrgUnit(std::string_view cert_pem);

}  // namespace rectify
