// This device's identity, as enrolled by `rectifyd enroll --out DIR`:
// DIR/ca.pem (the district CA), DIR/device.pem, DIR/device.key (mode 0600).
// The school/device/role are read from the certificate with the same parser
// the server uses (shared/x509_identity.h), so both sides agree on who this is.
#pragma once

#include <string>

#include "protocol/connection_handler.h"
#include "shared/checkpoint.h"
#include "shared/status.h"

namespace rectify {

struct IdentityFiles {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

IdentityFiles IdentityFilesIn(const std::string& dir);

// Reads DIR/device.pem and returns who it names (address left empty).
// Fails with NotFound if the files are missing, PermissionDenied if the
// certificate is not a device certificate, and FailedPrecondition if
// device.key is readable by group or others (like ssh, we refuse to use a
// key other users could have copied). Thread-safe.
Result<protocol::PeerIdentity> LoadIdentity(const std::string& dir);

// The district's log verifier key pinned at enrolment (DIR/log.pub, line 1):
// every checkpoint the server sends is verified with it. Thread-safe.
Result<VerifierKey> LoadLogKey(const std::string& dir);

// The whole file at `path`; IOError naming the path if it cannot be read.
Result<std::string> ReadFileBytes(const std::string& path);

}  // namespace rectify
