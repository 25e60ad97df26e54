#include "server/service/pki.h"
#include "shared/duration.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "server/admin/rectifyd_cli.h"
#include "server/service/revocation_list.h"
#include "shared/x509_identity.h"

namespace rectify {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/rectify_pki_XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

mode_t Mode(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

X509Ptr LoadCert(const std::string& path) {
  const std::string pem = Slurp(path);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), (int)pem.size()),
                                                &BIO_free);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
}

// Verifies `leaf` against `ca` with OpenSSL's own chain verifier.
bool ChainsTo(X509* leaf, X509* ca, int purpose) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  X509_STORE_add_cert(store.get(), ca);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  return X509_verify_cert(ctx.get()) == 1;
}

std::string SanText(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  const int idx = X509_get_ext_by_NID(cert, NID_subject_alt_name, -1);
  if (idx < 0) return "";
  X509V3_EXT_print(bio.get(), X509_get_ext(cert, idx), 0, 0);
  char* p = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &p);
  return std::string(p, n);
}

struct District {
  TempDir tmp;
  std::string dir = tmp.path + "/district";
  District() {
    auto r = InitDistrict({dir, {"sync.example.org", "10.1.2.3"}, ""});
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  }
};

TEST_CASE("init writes a district with private keys 0600 and public files readable") {
  District d;
  for (const char* key : {"ca.key", "server.key", "log.key"})
    CHECK_MESSAGE(Mode(d.dir + "/" + key) == 0600, key);
  for (const char* pub : {"ca.pem", "server.pem", "log.pub", "district.json"})
    CHECK_MESSAGE(Mode(d.dir + "/" + pub) == 0644, pub);
  CHECK(Mode(d.dir) == 0700);
  CHECK(Slurp(d.dir + "/ca.key").find("BEGIN PRIVATE KEY") != std::string::npos);  // PKCS#8
  CHECK(Slurp(d.dir + "/district.json").find("\"sync.example.org/rectify\"") != std::string::npos);
}

TEST_CASE("init refuses to overwrite an existing district and leaves it intact") {
  District d;
  const std::string key_before = Slurp(d.dir + "/ca.key");
  auto again = InitDistrict({d.dir, {}, ""});
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == Status::Code::kAlreadyExists);
  CHECK(Slurp(d.dir + "/ca.key") == key_before);
}

TEST_CASE("init refuses hostnames that could smuggle extra SAN entries") {
  TempDir t;
  auto r = InitDistrict({t.path + "/d", {"a.org,DNS:evil.org"}, ""});
  CHECK_FALSE(r.ok());
  CHECK_FALSE(std::filesystem::exists(t.path + "/d/ca.key"));
}

TEST_CASE("server certificate: chains to the CA, names every hostname plus loopback") {
  District d;
  auto ca = LoadCert(d.dir + "/ca.pem");
  auto server = LoadCert(d.dir + "/server.pem");
  REQUIRE(ca);
  REQUIRE(server);
  CHECK(X509_check_ca(ca.get()) == 1);
  CHECK(ChainsTo(server.get(), ca.get(), X509_PURPOSE_SSL_SERVER));
  CHECK_FALSE(ChainsTo(server.get(), ca.get(), X509_PURPOSE_SSL_CLIENT));  // EKU serverAuth only
  const std::string san = SanText(server.get());
  CHECK(san.find("DNS:sync.example.org") != std::string::npos);
  CHECK(san.find("IP Address:10.1.2.3") != std::string::npos);
  CHECK(san.find("IP Address:127.0.0.1") != std::string::npos);
  CHECK(X509_check_host(server.get(), "sync.example.org", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(server.get(), "other.example.org", 0, 0, nullptr) != 1);
  // The server's certificate is not a device certificate.
  CHECK_FALSE(ParseDeviceSubject(server.get()).ok());
  EVP_PKEY* pub = X509_get0_pubkey(server.get());
  CHECK(EVP_PKEY_is_a(pub, "EC"));
}

TEST_CASE("log.key is an Ed25519 private key matching log.pub") {
  District d;
  const std::string pem = Slurp(d.dir + "/log.key");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), (int)pem.size()),
                                                &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  REQUIRE(key);
  CHECK(EVP_PKEY_is_a(key.get(), "ED25519"));
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PUBKEY(out.get(), key.get());
  char* p = nullptr;
  const long n = BIO_get_mem_data(out.get(), &p);
  CHECK(std::string(p, n) == Slurp(d.dir + "/log.pub"));
}

TEST_CASE("enroll: the device certificate names school, device and role") {
  District d;
  auto r = EnrollDevice({d.dir, "实验小学", "pc-1", "school", d.tmp.path + "/pc1"});
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  CHECK(Mode(d.tmp.path + "/pc1/device.key") == 0600);
  CHECK(Slurp(d.tmp.path + "/pc1/ca.pem") == Slurp(d.dir + "/ca.pem"));
  auto cert = LoadCert(d.tmp.path + "/pc1/device.pem");
  auto ca = LoadCert(d.dir + "/ca.pem");
  CHECK(ChainsTo(cert.get(), ca.get(), X509_PURPOSE_SSL_CLIENT));
  CHECK_FALSE(ChainsTo(cert.get(), ca.get(), X509_PURPOSE_SSL_SERVER));
  auto subject = ParseDeviceSubject(cert.get());
  REQUIRE(subject.ok());
  CHECK(subject->school_id == "实验小学");
  CHECK(subject->device_id == "pc-1");
  CHECK(subject->role == "school");
  CHECK(Slurp(d.dir + "/devices.tsv").find("pc-1\t实验小学\tschool\t" + r->serial_hex) !=
        std::string::npos);
}

TEST_CASE("enroll: an auditor is bound to no school") {
  District d;
  auto r = EnrollDevice({d.dir, "", "aud-1", "auditor", d.tmp.path + "/aud"});
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  auto subject = ParseDeviceCertificatePem(Slurp(d.tmp.path + "/aud/device.pem"));
  REQUIRE(subject.ok());
  CHECK(subject->role == "auditor");
  CHECK(subject->school_id.empty());
  CHECK_FALSE(EnrollDevice({d.dir, "s1", "aud-2", "auditor", d.tmp.path + "/aud2"}).ok());
}

TEST_CASE("enroll refuses duplicates, bad ids, bad roles and existing output") {
  District d;
  REQUIRE(EnrollDevice({d.dir, "s1", "pc", "school", d.tmp.path + "/a"}).ok());
  auto dup = EnrollDevice({d.dir, "s2", "pc", "school", d.tmp.path + "/b"});
  CHECK(dup.status().code() == Status::Code::kAlreadyExists);
  CHECK_FALSE(std::filesystem::exists(d.tmp.path + "/b/device.key"));
  for (const char* bad : {"a/b", "..", "", "a b", "tab\there", "x*", "a,b"})
    CHECK_MESSAGE(!EnrollDevice({d.dir, "s1", bad, "school", d.tmp.path + "/c"}).ok(), bad);
  CHECK_FALSE(EnrollDevice({d.dir, "s/1", "pc2", "school", d.tmp.path + "/c"}).ok());
  CHECK_FALSE(EnrollDevice({d.dir, "s1", "pc2", "admin", d.tmp.path + "/c"}).ok());
  auto over = EnrollDevice({d.dir, "s1", "pc3", "school", d.tmp.path + "/a"});
  CHECK(over.status().code() == Status::Code::kAlreadyExists);
  // A failed enrolment does not take the id.
  CHECK(EnrollDevice({d.dir, "s1", "pc3", "school", d.tmp.path + "/d"}).ok());
  TempDir not_a_district;
  CHECK_FALSE(EnrollDevice({not_a_district.path, "s1", "x", "school", d.tmp.path + "/e"}).ok());
}

TEST_CASE("revoke: known devices only, idempotent, seen by a running RevocationList") {
  District d;
  REQUIRE(EnrollDevice({d.dir, "s1", "pc", "school", d.tmp.path + "/a"}).ok());
  RevocationList list(d.dir + "/revoked.txt");
  REQUIRE(list.Load().ok());
  CHECK_FALSE(list.IsRevoked("pc"));
  CHECK(RevokeDevice(d.dir, "ghost").status().code() == Status::Code::kNotFound);
  auto first = RevokeDevice(d.dir, "pc");
  REQUIRE(first.ok());
  CHECK(*first);
  auto second = RevokeDevice(d.dir, "pc");
  REQUIRE(second.ok());
  CHECK_FALSE(*second);
  CHECK(list.IsRevoked("pc"));  // re-read because the file changed
  CHECK_FALSE(list.IsRevoked("pc2"));
  // A vanished list keeps the last one in force rather than failing open.
  std::filesystem::remove(d.dir + "/revoked.txt");
  CHECK(list.IsRevoked("pc"));
}

TEST_CASE("ValidateIdentifier accepts UTF-8 names and rejects separators") {
  CHECK(ValidateIdentifier("第一中学-pc_2", "device").ok());
  CHECK_FALSE(ValidateIdentifier("\xff\xfe", "device").ok());
  CHECK_FALSE(ValidateIdentifier("\xe5\xae", "device").ok());  // truncated sequence
  CHECK_FALSE(ValidateIdentifier(std::string(65, 'a'), "device").ok());
  CHECK_FALSE(ValidateIdentifier("a\nb", "device").ok());
  CHECK_FALSE(ValidateIdentifier("*", "school").ok());
}

TEST_CASE("serve option parsing") {
  CHECK(*ParseDuration("300ms") == 300);
  CHECK(*ParseDuration("30s") == 30000);
  CHECK(*ParseDuration("5m") == 300000);
  CHECK(*ParseDuration("2") == 2000);
  CHECK_FALSE(ParseDuration("5 m").ok());
  CHECK_FALSE(ParseDuration("0s").ok());
  CHECK_FALSE(ParseDuration("-1s").ok());
  std::string host;
  uint16_t port = 1;
  REQUIRE(ParseListen("[::1]:0", &host, &port).ok());
  CHECK(host == "::1");
  CHECK(port == 0);
  REQUIRE(ParseListen("0.0.0.0:7443", &host, &port).ok());
  CHECK(host == "0.0.0.0");
  CHECK(port == 7443);
  CHECK_FALSE(ParseListen("localhost", &host, &port).ok());
  CHECK_FALSE(ParseListen("h:70000", &host, &port).ok());
}

}  // namespace
}  // namespace rectify
