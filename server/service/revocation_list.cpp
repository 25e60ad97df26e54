#include "server/service/revocation_list.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace rectify {

Status RevocationList::Load() {
  std::lock_guard<std::mutex> lock(mu_);
  size_ = -1;
  return ReloadIfChangedLocked();
}

bool RevocationList::IsRevoked(const std::string& device_id) {
  std::lock_guard<std::mutex> lock(mu_);
  (void)ReloadIfChangedLocked();
  return revoked_.count(device_id) > 0;
}

size_t RevocationList::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return revoked_.size();
}

Status RevocationList::ReloadIfChangedLocked() {
  struct stat st;
  if (::stat(path_.c_str(), &st) != 0)
    return Status::IOError("cannot stat " + path_ + ": " + std::strerror(errno));
  // Size as well as mtime: two appends within one timestamp tick still differ.
  if (st.st_size == size_ && st.st_mtim.tv_sec == mtime_.tv_sec &&
      st.st_mtim.tv_nsec == mtime_.tv_nsec)
    return Status::OK();
  std::ifstream in(path_);
  if (!in) return Status::IOError("cannot read " + path_);
  std::set<std::string> next;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    std::string id = line.substr(0, tab);
    while (!id.empty() && (id.back() == '\r' || id.back() == ' ')) id.pop_back();
    if (!id.empty()) next.insert(std::move(id));
  }
  if (in.bad()) return Status::IOError("cannot read " + path_);
  revoked_ = std::move(next);
  mtime_ = st.st_mtim;
  size_ = st.st_size;
  return Status::OK();
}

}  // namespace rectify
