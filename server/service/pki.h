// The district PKI: `rectifyd init`, `enroll` and `revoke` (docs/operations.md).
//
// A district directory made by InitDistrict holds:
//   ca.key ca.pem          district CA (ECDSA P-256, 10 years), signs every certificate
//   server.key server.pem  the server's TLS certificate (SAN: hostnames, 127.0.0.1, ::1)
//   log.key log.pub        Ed25519 key that signs audit-log checkpoints (PKCS#8 / SPKI PEM)
//   district.json          origin (checkpoint origin line) and hostnames
//   devices.tsv            registry of enrolled devices: device school role serial not_after
//   revoked.txt            server-side revocation list, one device id per line
// Private keys are created with mode 0600 (O_CREAT|O_EXCL) and never overwritten.
// Device certificates name CN=device, O=school ("*" for auditors), OU=role
// (shared/x509_identity.h). Functions are safe to call from several processes:
// registry updates take an flock.
#pragma once

#include <string>
#include <vector>

#include "shared/status.h"

namespace rectify {

struct InitOptions {
  std::string data_dir;  // created (0700) if missing; must not hold a district
  std::vector<std::string>
      hostnames;       // DNS names or IPs for the server certificate; default localhost
  std::string origin;  // checkpoint origin; default "<first hostname>/rectify"
};

struct InitResult {
  std::string data_dir;
  std::string origin;
  std::vector<std::string> hostnames;
  std::string ca_sha256;       // hex SHA-256 of the CA certificate (DER), to compare out of band
  std::string log_public_pem;  // the checkpoint-verifying key
};

// Fails with AlreadyExists if `data_dir` already holds any district file.
Result<InitResult> InitDistrict(const InitOptions& options);

struct EnrollOptions {
  std::string data_dir;
  std::string school_id;  // required for role school; ignored (must be empty or "*") for auditors
  std::string device_id;
  std::string role = "school";  // "school" or "auditor"
  std::string out_dir;          // receives ca.pem, device.pem, device.key (0600)
};

struct EnrollResult {
  std::string device_id;
  std::string school_id;  // "*" for auditors
  std::string role;
  std::string serial_hex;
  std::string not_after;  // ISO 8601 UTC
  std::string out_dir;
};

// Fails with AlreadyExists for a device id already in the registry (even if
// revoked: ids are never reused) or if `out_dir` already holds device files.
Result<EnrollResult> EnrollDevice(const EnrollOptions& options);

// Adds `device_id` to revoked.txt. NotFound if it was never enrolled.
// Returns false if it was already revoked (nothing changes), true otherwise.
Result<bool> RevokeDevice(const std::string& data_dir, const std::string& device_id);

// The whole file at `path` (a district file, a bundle): NotFound if it does
// not exist, IOError naming the path otherwise. Thread-safe.
Result<std::string> ReadDistrictFile(const std::string& path);

// Validates a hostname for a certificate SAN: an IP literal or a DNS name of
// letters, digits, '-' and '.'.
Status ValidateHostname(const std::string& host);

}  // namespace rectify
