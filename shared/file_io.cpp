#include "shared/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace rectify {

namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status SyncFolderOf(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::filesystem::path dir = parent.empty() ? std::filesystem::path(".") : parent;
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open folder", dir.native());
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::OK() : Errno("cannot sync folder", dir.native());
}

}  // namespace

Result<std::string> ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Errno("cannot open", path);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + " is not a file" +
                                   (S_ISDIR(st.st_mode) ? " (it is a folder)" : ""));
  }
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status err = Errno("cannot read", path);
      ::close(fd);
      return err;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view bytes, mode_t mode,
                       IfExists if_exists) {
  if (if_exists == IfExists::kRefuse && ::access(path.c_str(), F_OK) == 0)
    return Status::AlreadyExists(path + " already exists; refusing to overwrite");
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return Errno("cannot create a file beside", path);
  Status st;
  if (::fchmod(fd, mode) != 0) st = Errno("cannot set the mode of", tmp);
  if (st.ok()) st = WriteAll(fd, bytes, path);
  if (st.ok() && ::fsync(fd) != 0) st = Errno("cannot sync", path);
  ::close(fd);
  if (st.ok()) {
    if (if_exists == IfExists::kReplace) {
      if (::rename(tmp.c_str(), path.c_str()) != 0) st = Errno("cannot write", path);
    } else if (::link(tmp.c_str(), path.c_str()) != 0) {
      st = errno == EEXIST ? Status::AlreadyExists(path + " already exists; refusing to overwrite")
                           : Errno("cannot write", path);
    }
  }
  ::unlink(tmp.c_str());  // after a rename there is nothing left to remove
  if (!st.ok()) return st;
  return SyncFolderOf(path);
}

Status AppendToFile(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot open", path);
  Status st = WriteAll(fd, bytes, path);
  if (::close(fd) != 0 && st.ok()) st = Errno("cannot write", path);
  return st;
}

Status SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::OK() : Errno("cannot sync", path);
}

Status RenameDurably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return Errno("cannot rename " + from + " to", to);
  return SyncFolderOf(to);
}

}  // namespace rectify
