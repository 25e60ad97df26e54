#include "shared/x509_identity.h"

#include <openssl/bio.h>
#include <openssl/pem.h>

#include <memory>

#include "shared/utf8.h"

namespace rectify {
namespace {

// One entry of `nid` in `name`, as UTF-8; exactly one must exist.
Result<std::string> OneEntry(const X509_NAME* name, int nid, const char* label) {
  const int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return Status::PermissionDenied(std::string("certificate subject has no ") + label);
  if (X509_NAME_get_index_by_NID(name, nid, idx) >= 0)
    return Status::PermissionDenied(std::string("certificate subject has more than one ") + label);
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return Status::PermissionDenied(std::string("unreadable ") + label);
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

Status ValidateIdentifier(std::string_view id, std::string_view what) {
  const std::string w(what);
  if (id.empty()) return Status::InvalidArgument(w + " id is empty");
  if (id.size() > 64) return Status::InvalidArgument(w + " id is longer than 64 bytes");
  if (id == "." || id == "..") return Status::InvalidArgument(w + " id may not be . or ..");
  if (!IsValidUtf8(id)) return Status::InvalidArgument(w + " id is not valid UTF-8");
  for (char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    // ASCII separators are refused because ids end up in file names, TSV rows
    // and distinguished names, where each of them means something.
    if (c < 0x20 || c == 0x7F || c == ' ' ||
        std::string_view("/\\*,;=+\"<>").find(ch) != std::string_view::npos)
      return Status::InvalidArgument(w + " id \"" + std::string(id) +
                                     "\" contains a forbidden character (control, space or "
                                     "/ \\ * , ; = + \" < >)");
  }
  return Status::OK();
}

Result<DeviceSubject> ParseDeviceSubject(const X509* cert) {
  if (cert == nullptr) return Status::PermissionDenied("no certificate");
  const X509_NAME* name = X509_get_subject_name(cert);
  auto cn = OneEntry(name, NID_commonName, "CN (device)");
  if (!cn.ok()) return cn.status();
  auto o = OneEntry(name, NID_organizationName, "O (school)");
  if (!o.ok()) return o.status();
  auto ou = OneEntry(name, NID_organizationalUnitName, "OU (role)");
  if (!ou.ok()) return ou.status();

  DeviceSubject s;
  s.device_id = *cn;
  s.role = *ou;
  if (Status st = ValidateIdentifier(s.device_id, "device"); !st.ok())
    return Status::PermissionDenied(st.message());
  if (ParseRole(s.role) == Role::kAuditor) {
    if (*o != kAnySchool)
      return Status::PermissionDenied("auditor certificate must have O=\"*\", not \"" + *o + "\"");
    return s;
  }
  if (ParseRole(s.role) != Role::kSchool)
    return Status::PermissionDenied("certificate role (OU) \"" + s.role +
                                    "\" is not a device role (school or auditor)");
  if (Status st = ValidateIdentifier(*o, "school"); !st.ok())
    return Status::PermissionDenied(st.message());
  s.school_id = *o;
  return s;
}

Result<DeviceSubject> ParseDeviceCertificatePem(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return Status::Internal("out of memory");
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) return Status::InvalidArgument("not a PEM certificate");
  return ParseDeviceSubject(cert.get());
}

}  // namespace rectify
