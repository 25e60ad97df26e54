// Real processes for integration tests: run `rectify`/`rectifyd` to
// completion capturing output, or keep a server running and read its lines.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace rectify::test {

inline const std::string kRectify = std::string(RECTIFY_BIN_DIR) + "/rectify";
inline const std::string kRectifyd = std::string(RECTIFY_BIN_DIR) + "/rectifyd";

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Ran {
  int rc = -1;
  std::string out, err;
};

// A scratch directory removed on destruction.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    char tmpl[] = "/tmp/rectify-it-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
};

// Runs `args` (argv[0] is the binary; no shell) to completion.
inline Ran Exec(const std::vector<std::string>& args, const std::string& scratch) {
  const std::string out = scratch + "/.stdout", err = scratch + "/.stderr";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(rc == 0);
  int st = 0;
  ::waitpid(pid, &st, 0);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), ReadAll(out), ReadAll(err)};
}

// A child process with stdout on a pipe and stderr in a file; killed and
// reaped on destruction.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& stderr_path) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    out_ = fds[0];
    REQUIRE(rc == 0);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // One stdout line, waiting up to a generous bound; "" on EOF or timeout.
  std::string ReadLine(int timeout_ms = 30'000) {
    std::string line;
    char c;
    while (true) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) != 1) return "";
      if (::read(out_, &c, 1) != 1) return "";
      if (c == '\n') return line;
      line += c;
    }
  }
  // Sends `sig` and returns the exit status (-1 if it did not exit within a generous bound).
  int Signal(int sig) {
    ::kill(pid_, sig);
    int st = 0;
    for (int i = 0; i < 600; ++i) {
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

// `rectifyd serve` on an ephemeral loopback port; port() once it listens.
class Server {
 public:
  Server(const std::string& data_dir, const std::string& log_path,
         std::vector<std::string> extra = {})
      : log_(log_path) {
    std::vector<std::string> args = {kRectifyd, "serve",    "--data",
                                     data_dir,  "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    child_ = std::make_unique<Child>(args, log_path);
    const std::string line = child_->ReadLine();
    const std::string prefix = "listening on 127.0.0.1:";
    REQUIRE_MESSAGE(line.rfind(prefix, 0) == 0,
                    "rectifyd did not start: " << line << ReadAll(log_));
    port_ = std::stoi(line.substr(prefix.size()));
  }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return ReadAll(log_); }
  int Stop() { return child_->Signal(SIGTERM); }
  // kill -9: no chance to flush or close anything.
  void Kill() { child_->Signal(SIGKILL); }

 private:
  std::string log_;
  std::unique_ptr<Child> child_;
  int port_ = 0;
};

}  // namespace rectify::test
