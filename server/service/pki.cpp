#include "server/service/pki.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "shared/file_io.h"
#include "shared/sha256.h"
#include "shared/x509_identity.h"

namespace rectify {
namespace {

constexpr int kCaDays = 3650;
constexpr int kServerDays = 3640;
constexpr int kDeviceDays = 1825;
// School PCs often run with a clock days or weeks behind; a certificate made
// "now" would look not-yet-valid to them, so validity starts a month early.
constexpr long kBackdateSeconds = 30L * 24 * 3600;

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using NamePtr = std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string OpensslError(const std::string& what) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return what;
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return what + ": " + buf;
}

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// ---- files ----------------------------------------------------------------

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Creates `dir` (0700) and any missing parent (0700 too: they hold keys).
Status EnsureDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return Status::OK();
  if (errno == ENOENT) {
    const auto slash = dir.find_last_of('/', dir.find_last_not_of('/'));
    if (slash != std::string::npos && slash > 0) {
      RECTIFY_RETURN_IF_ERROR(EnsureDir(dir.substr(0, slash)));
      if (::mkdir(dir.c_str(), 0700) == 0) return Status::OK();
    }
  }
  if (errno != EEXIST) return Status::IOError(Errno("cannot create directory", dir));
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::FailedPrecondition(dir + " exists and is not a directory");
  return Status::OK();
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(Errno("cannot write", path));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

// A key is never world-readable, not even for an instant, and never
// overwritten (shared/file_io.h).
Status WriteNewFile(const std::string& path, std::string_view data, mode_t mode) {
  return WriteFileAtomic(path, data, mode, IfExists::kRefuse);
}

Result<std::string> ReadFileImpl(const std::string& path) { return ReadWholeFile(path); }

// An open file holding an exclusive flock for the lifetime of the object, so
// two operators enrolling at once cannot both take the same device id.
class LockedFile {
 public:
  static Result<std::unique_ptr<LockedFile>> Open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT)
        return Status::FailedPrecondition(path +
                                          " is missing: is this a district made by "
                                          "`rectifyd init`?");
      return Status::IOError(Errno("cannot open", path));
    }
    if (::flock(fd, LOCK_EX) != 0) {
      ::close(fd);
      return Status::IOError(Errno("cannot lock", path));
    }
    return std::unique_ptr<LockedFile>(new LockedFile(fd, path));
  }
  ~LockedFile() { ::close(fd_); }
  Result<std::string> ReadAll() { return ReadFileImpl(path_); }
  Status Append(std::string_view line) {
    RECTIFY_RETURN_IF_ERROR(WriteAll(fd_, line, path_));
    if (::fsync(fd_) != 0) return Status::IOError(Errno("cannot sync", path_));
    return Status::OK();
  }

 private:
  LockedFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

std::string IsoUtc(time_t t) {
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// First tab-separated field of each non-comment line.
std::vector<std::vector<std::string>> TsvRows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      fields.push_back(line.substr(start, tab - start));
    fields.push_back(line.substr(start));
    rows.push_back(std::move(fields));
  }
  return rows;
}

// ---- crypto ---------------------------------------------------------------

Result<PkeyPtr> NewP256Key() {
  PkeyPtr key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  if (!key) return Status::Internal(OpensslError("cannot generate a P-256 key"));
  return key;
}

Result<std::string> PrivateKeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
  // PKCS#8, unencrypted: the file mode is the protection (docs/security.md).
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Status::Internal(OpensslError("cannot encode a private key"));
  char* p = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &p);
  return std::string(p, static_cast<size_t>(n));
}

Result<std::string> PublicKeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1)
    return Status::Internal(OpensslError("cannot encode a public key"));
  char* p = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &p);
  return std::string(p, static_cast<size_t>(n));
}

Result<std::string> CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
    return Status::Internal(OpensslError("cannot encode a certificate"));
  char* p = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &p);
  return std::string(p, static_cast<size_t>(n));
}

Result<X509Ptr> LoadCert(const std::string& path) {
  auto pem = ReadFileImpl(path);
  if (!pem.ok()) return pem.status();
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())), &BIO_free);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) return Status::Corruption(OpensslError(path + " is not a PEM certificate"));
  return cert;
}

Result<PkeyPtr> LoadKey(const std::string& path) {
  auto pem = ReadFileImpl(path);
  if (!pem.ok()) return pem.status();
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())), &BIO_free);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!key) return Status::Corruption(OpensslError(path + " is not a PEM private key"));
  return key;
}

Result<NamePtr> MakeName(const std::vector<std::pair<int, std::string>>& entries) {
  NamePtr name(X509_NAME_new(), &X509_NAME_free);
  for (const auto& [nid, value] : entries) {
    if (X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1)
      return Status::InvalidArgument(OpensslError("cannot put \"" + value + "\" in a certificate"));
  }
  return name;
}

Status SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return Status::Internal(OpensslError("RAND_bytes"));
  bytes[0] &= 0x7F;  // a positive INTEGER
  bytes[0] |= 0x01;  // and never a shorter encoding
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(bytes, sizeof bytes, nullptr), &BN_free);
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr)
    return Status::Internal(OpensslError("cannot set a serial number"));
  return Status::OK();
}

struct CertRequest {
  EVP_PKEY* subject_key;
  const X509_NAME* subject;
  X509* issuer_cert;  // null: self-signed
  EVP_PKEY* issuer_key;
  int days;
  std::vector<std::pair<int, std::string>> extensions;  // applied in order
};

Result<X509Ptr> IssueCert(const CertRequest& req) {
  X509Ptr cert(X509_new(), &X509_free);
  if (!cert || X509_set_version(cert.get(), 2) != 1) return Status::Internal("X509_new");
  RECTIFY_RETURN_IF_ERROR(SetRandomSerial(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600 * req.days);
  X509* issuer = req.issuer_cert != nullptr ? req.issuer_cert : cert.get();
  if (X509_set_subject_name(cert.get(), req.subject) != 1 ||
      X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)) != 1 ||
      X509_set_pubkey(cert.get(), req.subject_key) != 1)
    return Status::Internal(OpensslError("cannot fill a certificate"));
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : req.extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) return Status::InvalidArgument(OpensslError("bad extension " + value));
    const int ok = X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
    if (ok != 1) return Status::Internal(OpensslError("cannot add extension " + value));
  }
  if (X509_sign(cert.get(), req.issuer_key, EVP_sha256()) <= 0)
    return Status::Internal(OpensslError("cannot sign a certificate"));
  return cert;
}

std::string CertSha256Hex(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert, EVP_sha256(), md, &n);
  return HexEncode(std::string_view(reinterpret_cast<char*>(md), n));
}

std::string SerialHex(X509* cert) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(
      ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), nullptr), &BN_free);
  char* hex = BN_bn2hex(bn.get());
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

std::string NotAfterIso(X509* cert) {
  struct tm tm;
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return "";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string SubjectAltNames(const std::vector<std::string>& hosts) {
  std::vector<std::string> names;
  auto add = [&names](const std::string& n) {
    for (const auto& x : names)
      if (x == n) return;
    names.push_back(n);
  };
  for (const auto& h : hosts) add((IsIpLiteral(h) ? "IP:" : "DNS:") + h);
  add("IP:127.0.0.1");
  add("IP:::1");
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

// ---- init -----------------------------------------------------------------

const char* const kDistrictFiles[] = {"ca.key",      "ca.pem",      "server.key",
                                      "server.pem",  "log.key",     "log.pub",
                                      "devices.tsv", "revoked.txt", "district.json"};

struct DistrictMaterial {
  std::vector<std::pair<std::string, std::pair<std::string, mode_t>>>
      files;  // name -> (data, mode)
  std::string ca_sha256;
  std::string log_public_pem;
};

Result<DistrictMaterial> MakeDistrictMaterial(const InitOptions& o) {
  DistrictMaterial m;
  auto ca_key = NewP256Key();
  if (!ca_key.ok()) return ca_key.status();
  auto ca_name = MakeName({{NID_organizationName, "Rectify district"},
                           {NID_commonName, "Rectify district CA " + o.origin}});
  if (!ca_name.ok()) return ca_name.status();
  auto ca = IssueCert({ca_key->get(),
                       ca_name->get(),
                       nullptr,
                       ca_key->get(),
                       kCaDays,
                       {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                        {NID_key_usage, "critical,keyCertSign,cRLSign"},
                        {NID_subject_key_identifier, "hash"}}});
  if (!ca.ok()) return ca.status();

  auto server_key = NewP256Key();
  if (!server_key.ok()) return server_key.status();
  auto server_name = MakeName({{NID_organizationName, "Rectify district"},
                               {NID_organizationalUnitName, "server"},
                               {NID_commonName, o.hostnames.front()}});
  if (!server_name.ok()) return server_name.status();
  auto server = IssueCert({server_key->get(),
                           server_name->get(),
                           ca->get(),
                           ca_key->get(),
                           kServerDays,
                           {{NID_basic_constraints, "critical,CA:FALSE"},
                            {NID_key_usage, "critical,digitalSignature"},
                            {NID_ext_key_usage, "serverAuth"},
                            {NID_subject_key_identifier, "hash"},
                            {NID_authority_key_identifier, "keyid:always"},
                            {NID_subject_alt_name, SubjectAltNames(o.hostnames)}}});
  if (!server.ok()) return server.status();

  PkeyPtr log_key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), &EVP_PKEY_free);
  if (!log_key) return Status::Internal(OpensslError("cannot generate an Ed25519 key"));

  auto ca_key_pem = PrivateKeyPem(ca_key->get());
  auto ca_pem = CertPem(ca->get());
  auto server_key_pem = PrivateKeyPem(server_key->get());
  auto server_pem = CertPem(server->get());
  auto log_key_pem = PrivateKeyPem(log_key.get());
  auto log_pub_pem = PublicKeyPem(log_key.get());
  for (const Status& st : {ca_key_pem.status(), ca_pem.status(), server_key_pem.status(),
                           server_pem.status(), log_key_pem.status(), log_pub_pem.status()})
    RECTIFY_RETURN_IF_ERROR(st);

  nlohmann::json district = {{"format", 1},
                             {"origin", o.origin},
                             {"hostnames", o.hostnames},
                             {"created_at", IsoUtc(std::time(nullptr))},
                             {"ca_sha256", CertSha256Hex(ca->get())}};
  // Public files first, keys last: a crash midway leaves no orphan key
  // without its certificate… and init refuses to run twice anyway.
  m.files = {{"ca.pem", {*ca_pem, 0644}},
             {"server.pem", {*server_pem, 0644}},
             {"log.pub", {*log_pub_pem, 0644}},
             {"district.json", {district.dump(2) + "\n", 0644}},
             {"devices.tsv", {"# device\tschool\trole\tserial\tnot_after\tenrolled_at\n", 0600}},
             {"revoked.txt", {"# revoked device ids, one per line (rectifyd revoke)\n", 0600}},
             {"ca.key", {*ca_key_pem, 0600}},
             {"server.key", {*server_key_pem, 0600}},
             {"log.key", {*log_key_pem, 0600}}};
  m.ca_sha256 = CertSha256Hex(ca->get());
  m.log_public_pem = *log_pub_pem;
  return m;
}

}  // namespace

Status ValidateHostname(const std::string& host) {
  if (IsIpLiteral(host)) return Status::OK();
  if (host.empty() || host.size() > 253)
    return Status::InvalidArgument("bad hostname \"" + host + "\"");
  for (char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'))
      return Status::InvalidArgument("hostname \"" + host +
                                     "\" may hold only letters, digits, '-' and '.'");
  }
  if (host.front() == '.' || host.front() == '-' || host.back() == '.')
    return Status::InvalidArgument("bad hostname \"" + host + "\"");
  return Status::OK();
}

Result<InitResult> InitDistrict(const InitOptions& options) {
  InitOptions o = options;
  if (o.data_dir.empty()) return Status::InvalidArgument("--data is required");
  if (o.hostnames.empty()) o.hostnames = {"localhost"};
  for (const auto& h : o.hostnames) RECTIFY_RETURN_IF_ERROR(ValidateHostname(h));
  if (o.origin.empty()) o.origin = o.hostnames.front() + "/rectify";
  for (unsigned char c : o.origin)
    if (c < 0x21 || c == 0x7F)
      return Status::InvalidArgument("origin may not contain spaces or control characters");

  RECTIFY_RETURN_IF_ERROR(EnsureDir(o.data_dir));
  for (const char* f : kDistrictFiles) {
    if (Exists(o.data_dir + "/" + f))
      return Status::AlreadyExists(o.data_dir + " already holds a district (" + f +
                                   " exists); refusing to overwrite it");
  }
  auto m = MakeDistrictMaterial(o);
  if (!m.ok()) return m.status();
  for (auto& [name, content] : m->files) {
    Status st = WriteNewFile(o.data_dir + "/" + name, content.first, content.second);
    OPENSSL_cleanse(content.first.data(), content.first.size());
    RECTIFY_RETURN_IF_ERROR(st);
  }
  return InitResult{o.data_dir, o.origin, o.hostnames, m->ca_sha256, m->log_public_pem};
}

Result<EnrollResult> EnrollDevice(const EnrollOptions& options) {
  EnrollOptions o = options;
  if (o.data_dir.empty() || o.out_dir.empty())
    return Status::InvalidArgument("--data and --out are required");
  RECTIFY_RETURN_IF_ERROR(ValidateIdentifier(o.device_id, "device"));
  if (ParseRole(o.role) == Role::kAuditor) {
    if (!o.school_id.empty() && o.school_id != kAnySchool)
      return Status::InvalidArgument("an auditor is not bound to one school: omit --school");
    o.school_id = kAnySchool;
  } else if (ParseRole(o.role) == Role::kSchool) {
    RECTIFY_RETURN_IF_ERROR(ValidateIdentifier(o.school_id, "school"));
  } else {
    return Status::InvalidArgument("role must be school or auditor, not \"" + o.role + "\"");
  }

  auto registry = LockedFile::Open(o.data_dir + "/devices.tsv");
  if (!registry.ok()) return registry.status();
  auto rows = (*registry)->ReadAll();
  if (!rows.ok()) return rows.status();
  for (const auto& row : TsvRows(*rows)) {
    if (row[0] == o.device_id)
      return Status::AlreadyExists("device \"" + o.device_id +
                                   "\" is already enrolled; device ids are never reused");
  }

  auto ca_cert = LoadCert(o.data_dir + "/ca.pem");
  if (!ca_cert.ok()) return ca_cert.status();
  auto ca_key = LoadKey(o.data_dir + "/ca.key");
  if (!ca_key.ok()) return ca_key.status();
  auto key = NewP256Key();
  if (!key.ok()) return key.status();
  auto name = MakeName({{NID_organizationName, o.school_id},
                        {NID_organizationalUnitName, o.role},
                        {NID_commonName, o.device_id}});
  if (!name.ok()) return name.status();
  auto cert = IssueCert({key->get(),
                         name->get(),
                         ca_cert->get(),
                         ca_key->get(),
                         kDeviceDays,
                         {{NID_basic_constraints, "critical,CA:FALSE"},
                          {NID_key_usage, "critical,digitalSignature"},
                          {NID_ext_key_usage, "clientAuth"},
                          {NID_subject_key_identifier, "hash"},
                          {NID_authority_key_identifier, "keyid:always"}}});
  if (!cert.ok()) return cert.status();

  auto ca_pem = CertPem(ca_cert->get());
  auto dev_pem = CertPem(cert->get());
  auto dev_key = PrivateKeyPem(key->get());
  for (const Status& st : {ca_pem.status(), dev_pem.status(), dev_key.status()})
    RECTIFY_RETURN_IF_ERROR(st);
  RECTIFY_RETURN_IF_ERROR(EnsureDir(o.out_dir));
  for (const char* f : {"ca.pem", "device.pem", "device.key"}) {
    if (Exists(o.out_dir + "/" + f))
      return Status::AlreadyExists(o.out_dir + "/" + f + " exists; refusing to overwrite");
  }
  Status st = WriteNewFile(o.out_dir + "/device.key", *dev_key, 0600);
  OPENSSL_cleanse(dev_key->data(), dev_key->size());
  RECTIFY_RETURN_IF_ERROR(st);
  RECTIFY_RETURN_IF_ERROR(WriteNewFile(o.out_dir + "/device.pem", *dev_pem, 0644));
  RECTIFY_RETURN_IF_ERROR(WriteNewFile(o.out_dir + "/ca.pem", *ca_pem, 0644));

  EnrollResult r{o.device_id, o.school_id, o.role, SerialHex(cert->get()), NotAfterIso(cert->get()),
                 o.out_dir};
  RECTIFY_RETURN_IF_ERROR((*registry)->Append(r.device_id + "\t" + r.school_id + "\t" + r.role +
                                              "\t" + r.serial_hex + "\t" + r.not_after + "\t" +
                                              IsoUtc(std::time(nullptr)) + "\n"));
  return r;
}

Result<bool> RevokeDevice(const std::string& data_dir, const std::string& device_id) {
  RECTIFY_RETURN_IF_ERROR(ValidateIdentifier(device_id, "device"));
  auto registry = LockedFile::Open(data_dir + "/devices.tsv");
  if (!registry.ok()) return registry.status();
  auto rows = (*registry)->ReadAll();
  if (!rows.ok()) return rows.status();
  bool known = false;
  for (const auto& row : TsvRows(*rows)) known = known || row[0] == device_id;
  if (!known) return Status::NotFound("device \"" + device_id + "\" was never enrolled here");

  auto revoked = LockedFile::Open(data_dir + "/revoked.txt");
  if (!revoked.ok()) return revoked.status();
  auto list = (*revoked)->ReadAll();
  if (!list.ok()) return list.status();
  for (const auto& row : TsvRows(*list))
    if (row[0] == device_id) return false;
  RECTIFY_RETURN_IF_ERROR((*revoked)->Append(device_id + "\t" + IsoUtc(std::time(nullptr)) + "\n"));
  return true;
}

Result<std::string> ReadDistrictFile(const std::string& path) { return ReadFileImpl(path); }

}  // namespace rectify
