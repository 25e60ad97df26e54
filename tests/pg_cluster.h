// A throwaway PostgreSQL cluster for tests: started once per test process on
// first use (initdb into a temp folder, run as the postgres user when we are
// root, a Unix socket in that folder, no TCP), one fresh database per test made
// from a template, stopped and removed at exit.
//
// PostgreSQL binaries are looked up in $RECTIFY_PG_BIN, then the newest
// /usr/lib/postgresql/*/bin. When they are absent the cluster is nullptr
// and PostgreSQL tests are skipped with a message, except under CI=true
// where that is a failure (scripts/setup.sh installs them).
#pragma once

#include <doctest/doctest.h>
#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace rectify::testing {

class PgCluster {
 public:
  // The process's cluster, or nullptr when PostgreSQL is not installed
  // (outside CI only; see above).
  static PgCluster* Get() {
    static std::unique_ptr<PgCluster> cluster = Start();
    return cluster.get();
  }

  // A new empty database; returns its libpq URI.
  std::string NewDatabase() {
    static std::atomic<int> counter{0};
    const std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    Psql("CREATE DATABASE " + name + " TEMPLATE rectify_template STRATEGY FILE_COPY");
    return Uri(name);
  }

  std::string Uri(const std::string& db) const {
    return "postgresql:///" + db + "?host=" + dir_.string() + "&user=postgres";
  }
  // The database name of a URI made by Uri().
  static std::string DbOf(const std::string& uri) {
    const size_t start = std::string("postgresql:///").size();
    return uri.substr(start, uri.find('?') - start);
  }
  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& bin() const { return bin_; }
  // Runs one SQL command on database `db` through psql; REQUIREs success.
  void Psql(const std::string& sql, const std::string& db = "postgres") const {
    const std::string cmd = (bin_ / "psql").string() + " -X -q -v ON_ERROR_STOP=1 -h " +
                            dir_.string() + " -U postgres -d " + db + " -c \"" + sql +
                            "\" >/dev/null";
    REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, cmd);
  }

  ~PgCluster() {
    (void)std::system((AsOwner((bin_ / "pg_ctl").string() + " -D " + (dir_ / "data").string() +
                               " -m immediate stop") +
                       " >/dev/null 2>&1")
                          .c_str());
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  static std::filesystem::path FindBin() {
    if (const char* env = std::getenv("RECTIFY_PG_BIN"); env && *env) return env;
    std::filesystem::path best;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const auto bin = e.path() / "bin";
      if (std::filesystem::exists(bin / "initdb") && (best.empty() || bin > best)) best = bin;
    }
    return best;
  }

  static std::unique_ptr<PgCluster> Start() {
    const auto bin = FindBin();
    if (bin.empty()) {
      const char* ci = std::getenv("CI");
      if (ci && std::string(ci) == "true")
        FAIL(
            "PostgreSQL binaries not found (/usr/lib/postgresql/*/bin); under CI they must be "
            "installed by scripts/setup.sh");
      MESSAGE(
          "SKIPPED: PostgreSQL is not installed (apt-get install postgresql); the "
          "PostgreSQL variants of these tests did not run");
      return nullptr;
    }
    std::unique_ptr<PgCluster> c(new PgCluster);
    c->bin_ = bin;
    std::string tmpl = (std::filesystem::temp_directory_path() / "rectify-pg-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    c->dir_ = tmpl;
    if (::geteuid() == 0) {
      // initdb and postgres refuse to run as root: the cluster belongs to postgres.
      const passwd* pw = ::getpwnam("postgres");
      REQUIRE_MESSAGE(pw != nullptr, "running as root needs the postgres user");
      c->owner_ = "postgres";
      REQUIRE(::chown(c->dir_.c_str(), pw->pw_uid, pw->pw_gid) == 0);
    }
    const std::string data = (c->dir_ / "data").string();
    const std::string log = (c->dir_ / "server.log").string();
    c->Run((bin / "initdb").string() + " -D " + data +
           " -A trust -U postgres -E UTF8 --locale=C --no-sync >" + c->dir_.string() +
           "/initdb.log 2>&1");
    {
      // Throwaway data: no fsync. Unix socket only, in our own folder.
      std::ofstream conf(data + "/postgresql.conf", std::ios::app);
      conf << "\nlisten_addresses = ''\nunix_socket_directories = '" << c->dir_.string()
           << "'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
              "max_connections = 300\n";
    }
    c->Run((bin / "pg_ctl").string() + " -D " + data + " -l " + log + " -w -t 60 start >/dev/null");
    c->Psql("CREATE DATABASE rectify_template TEMPLATE template0 ENCODING 'UTF8'");
    return c;
  }

  std::string AsOwner(const std::string& cmd) const {
    if (owner_.empty()) return cmd;
    return "runuser -u " + owner_ + " -- sh -c '" + cmd + "'";
  }
  void Run(const std::string& cmd) const {
    const std::string full = AsOwner(cmd);
    REQUIRE_MESSAGE(std::system(full.c_str()) == 0, full);
  }

  PgCluster() = default;
  std::filesystem::path bin_, dir_;
  std::string owner_;
};

}  // namespace rectify::testing
