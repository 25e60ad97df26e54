#include "client/sync/identity.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "shared/file_io.h"
#include "shared/x509_identity.h"

namespace rectify {

IdentityFiles IdentityFilesIn(const std::string& dir) {
  return {dir + "/ca.pem", dir + "/device.pem", dir + "/device.key"};
}

Result<protocol::PeerIdentity> LoadIdentity(const std::string& dir) {
  const IdentityFiles files = IdentityFilesIn(dir);
  for (const std::string* f : {&files.ca_file, &files.cert_file, &files.key_file}) {
    struct stat st;
    if (::stat(f->c_str(), &st) != 0)
      return Status::NotFound(*f + " is missing: enrol this device with `rectifyd enroll`");
    if (f == &files.key_file && (st.st_mode & 077) != 0)
      return Status::FailedPrecondition(*f + " is readable by other users; run chmod 600 " + *f);
  }
  std::ifstream in(files.cert_file);
  std::stringstream pem;
  pem << in.rdbuf();
  if (!in) return Status::IOError("cannot read " + files.cert_file);
  auto subject = ParseDeviceCertificatePem(pem.str());
  if (!subject.ok()) return subject.status().Annotate(files.cert_file);
  protocol::PeerIdentity id;
  id.school_id = subject->school_id;
  id.device_id = subject->device_id;
  id.role = subject->role;
  return id;
}

Result<std::string> ReadFileBytes(const std::string& path) { return ReadWholeFile(path); }

Result<VerifierKey> LoadLogKey(const std::string& dir) {
  const std::string path = dir + "/log.pub";
  auto text = ReadFileBytes(path);
  if (!text.ok())
    return Status::NotFound(path +
                            " is missing: the identity needs the district's log key "
                            "to verify the audit log (re-run `rectifyd enroll`)");
  auto key = ParseVerifierKey(text->substr(0, text->find('\n')));
  if (!key.ok()) return key.status().Annotate(path);
  return key;
}

}  // namespace rectify
