// The one parser of device certificate subjects, used by the server (to learn
// who connected) and by the client (to learn who it is). Naming convention of
// the district PKI (docs/security.md):
//
//   CN = device id    O = school id, or "*" for an auditor    OU = role
//
// role is "school" or "auditor". A certificate that does not follow this
// convention (e.g. the server's own, OU=server) is not a device.
// Thread-safe pure functions.
#pragma once

#include <openssl/x509.h>

#include <string>
#include <string_view>

#include "shared/roles.h"
#include "shared/status.h"

namespace rectify {

// The O value of an auditor certificate: an auditor is not bound to one school.
inline constexpr char kAnySchool[] = "*";

struct DeviceSubject {
  std::string school_id;  // empty for auditors
  std::string device_id;
  std::string role;  // kRoleSchool or kRoleAuditor
};

// Checks a device or school id: 1..64 bytes of valid UTF-8, no control
// characters, no whitespace, none of / \ * , ; = + " < > and not "." or "..".
// `what` names the field in the error ("device", "school").
Status ValidateIdentifier(std::string_view id, std::string_view what);

// Reads CN/O/OU of `cert` (not owned, not modified). Fails with
// PermissionDenied if the subject is not a well-formed device subject.
Result<DeviceSubject> ParseDeviceSubject(const X509* cert);

// Same, from one PEM certificate.
Result<DeviceSubject> ParseDeviceCertificatePem(std::string_view pem);

}  // namespace rectify
