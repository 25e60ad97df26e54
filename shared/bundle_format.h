// Offline bundles (docs/bundles.md): a signed envelope that carries sync
// messages on a USB stick when there is no link at all. Pure: bytes in,
// values out; no files, no clock (certificate validity is checked against
// the system time by OpenSSL's chain verifier, as TLS would).
//
// Envelope, all integers big-endian:
//   "RECTIFY-BUNDLE\n"  15 bytes magic
//   u8 version (1, 2)   u8 kind (1 school->district, 2 district->school)
//   u32 n  contents     cereal portable binary of BundleContents
//   u32 n  certificate  the signer's certificate, PEM
//   u32 n  signature    ECDSA-with-SHA256 (DER) over every byte before it
// Nothing may follow the signature.
//
// Version 2 adds evidence files to the contents (after the rejections);
// SealBundle writes version 1 when a bundle carries no evidence, so older
// readers still take it, and OpenBundle reads both. OpenBundle verifies every
// evidence entry (each chunk's SHA-256, then size and whole-file SHA-256)
// right after the signature: a bundle that opens carries only intact files.
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
inline constexpr uint8_t kBundleVersion = 2;            // the newest version written
inline constexpr uint8_t kBundleVersionNoEvidence = 1;  // still written without evidence
// Evidence in bundles (docs/bundles.md): files are cut into chunks of at most
// kBundleEvidenceChunk bytes, each with its own SHA-256.
inline constexpr uint32_t kBundleEvidenceChunk = 1u << 20;
inline constexpr uint64_t kMaxBundleEvidenceFiles = 100000;
inline constexpr uint64_t kMaxBundleEvidenceChunks = 1024;  // per file: 1 GiB

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

struct BundleEvidenceChunk {
  std::string bytes;   // 1 .. kBundleEvidenceChunk bytes
  std::string digest;  // SHA-256 of `bytes`, 32 raw bytes
  bool operator==(const BundleEvidenceChunk&) const = default;
};

// One evidence file: its content address and its bytes, chunked.
struct BundleEvidence {
  std::string sha256;  // SHA-256 of the whole file, 64 lowercase hex digits
  uint64_t size = 0;   // > 0, the sum of the chunk sizes
  std::vector<BundleEvidenceChunk> chunks;
  bool operator==(const BundleEvidence&) const = default;
};

struct BundleContents {
  std::string school_id;
  std::string device_id;  // school bundles: the ledger's device id; else empty
  // A protocol message body (protocol::EncodeBody): a PushBatch for
  // school->district, a PullResponse for district->school.
  std::string body;
  std::vector<BundleRejection> rejections;  // district->school only
  std::vector<BundleEvidence> evidence;     // version 2; distinct hashes
  bool operator==(const BundleContents&) const = default;
};

struct Bundle {
  BundleKind kind = BundleKind::kSchoolToDistrict;
  BundleContents contents;
  std::string signer_cert_pem;
};

// Cuts `file` (non-empty) into chunks and names it by its SHA-256.
BundleEvidence MakeBundleEvidence(std::string_view file);

// The file's bytes: the chunks joined (no checks: see VerifyBundleEvidence).
std::string JoinBundleEvidence(const BundleEvidence& e);

// Corruption unless the name is 64 lowercase hex digits, every chunk is 1 ..
// kBundleEvidenceChunk bytes and hashes to its digest ("evidence <sha> chunk
// N: hash mismatch", N counted from 1), the chunk sizes add up to `size` and
// the joined bytes hash to the name.
Status VerifyBundleEvidence(const BundleEvidence& e);

// Serialises and signs (version 1 if contents.evidence is empty, else 2). `key_pem` is the signer's
// private key (PEM, EC P-256 or any key OpenSSL signs SHA-256 digests with); it must match
// `signer_cert_pem` (checked: InvalidArgument otherwise).
Result<std::string> SealBundle(const Bundle& bundle, std::string_view key_pem);

// Parses, checks the signature against the embedded certificate's key and
// that certificate against the district CA `ca_pem` (VerifyBundleSigner),
// and only then decodes the contents (bounded by the section's bytes) and
// checks every evidence entry (VerifyBundleEvidence; no hash twice).
// Corruption for truncation, trailing bytes, a bad magic/version/kind, a
// bad signature, absurd counts or damaged evidence; PermissionDenied for a
// signer outside the district. Does not check the signer's role or revocation.
Result<Bundle> OpenBundle(std::string_view bytes, std::string_view ca_pem);

// The contents section: written as version 1 when there is no evidence,
// else version 2 (SealBundle); read by OpenBundle after authenticating the
// envelope. Both exposed for the fuzz harness and its seed corpus.
// Decoding gives Corruption on malformed, truncated or trailing bytes; never allocates beyond a
// small multiple of `bytes` (shared/bounded_archive.h).
std::string EncodeBundleContents(const BundleContents& contents);
Status DecodeBundleContents(std::string_view bytes, uint8_t version, BundleContents* out);

// PermissionDenied unless `cert_pem` chains to the CA in `ca_pem` (and is
// valid now).
Status VerifyBundleSigner(std::string_view cert_pem, std::string_view ca_pem);

// The OU of a certificate's subject ("school", "auditor", "server"), empty if none.
Result<std::string> CertificateOrgUnit(std::string_view cert_pem);

}  // namespace rectify
