#include "server/admin/rectifyd_cli.h"

#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <csignal>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "server/admin/rectifyd_bundle.h"
#include "server/admin/rectifyd_store_cmds.h"
#include "server/admin/rectifyd_user.h"
#include "server/admin/rectifyd_verify.h"
#include "server/console/console_server.h"
#include "server/network/echo_handler.h"
#include "server/network/tls_server.h"
#include "server/service/accounts.h"
#include "server/service/console_ops.h"
#include "server/service/district_view.h"
#include "server/service/pki.h"
#include "server/service/revocation_list.h"
#include "server/service/serve_wiring.h"
#include "server/storage/account_store.h"
#include "shared/host_port.h"
#include "shared/role.h"
#include "shared/duration.h"

namespace rectify {
namespace {

std::string NowIso() {
  const time_t t = std::time(nullptr);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The server's log: one line per event on stderr, timestamped, whole lines
// even when several I/O threads log at once.
void ServerLog(const std::string& line) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::cerr << NowIso() << " rectifyd: " << line << std::endl;
}

struct InitArgs {
  InitOptions options;
  bool json = false;
};

int RunInit(const InitArgs& a) {
  auto r = InitDistrict(a.options);
  if (!r.ok()) return ReportFailure("init", r.status(), a.json);
  if (a.json) {
    std::cout << nlohmann::json{{"ok", true},
                                {"data_dir", r->data_dir},
                                {"origin", r->origin},
                                {"hostnames", r->hostnames},
                                {"ca_sha256", r->ca_sha256},
                                {"log_public_key", r->log_public_pem}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "district created in " << r->data_dir << "\n  origin: " << r->origin
              << "\n  CA SHA-256: " << r->ca_sha256
              << "\nKeep ca.key offline-safe: whoever holds it can enrol devices." << std::endl;
  }
  return 0;
}

struct EnrollArgs {
  EnrollOptions options;
  bool json = false;
};

int RunEnroll(const EnrollArgs& a) {
  auto r = EnrollDevice(a.options);
  if (!r.ok()) return ReportFailure("enroll", r.status(), a.json);
  // The device pins the district's log key to verify every checkpoint.
  if (Status st = WriteDeviceLogKey(a.options.data_dir, r->out_dir); !st.ok())
    return ReportFailure("enroll", st, a.json);
  if (a.json) {
    std::cout << nlohmann::json{{"ok", true},
                                {"device", r->device_id},
                                {"school", r->school_id},
                                {"role", r->role},
                                {"serial", r->serial_hex},
                                {"not_after", r->not_after},
                                {"out", r->out_dir}}
                     .dump()
              << std::endl;
  } else {
    std::cout << "enrolled device " << r->device_id << " (school " << r->school_id << ", role "
              << r->role << ", serial " << r->serial_hex << ", valid until " << r->not_after
              << ")\n  identity written to " << r->out_dir
              << " (ca.pem, device.pem, device.key, log.pub)" << std::endl;
  }
  return 0;
}

struct RevokeArgs {
  std::string data_dir;
  std::string device;
  bool json = false;
};

int RunRevoke(const RevokeArgs& a) {
  auto r = RevokeDevice(a.data_dir, a.device);
  if (!r.ok()) return ReportFailure("revoke", r.status(), a.json);
  if (a.json) {
    std::cout << nlohmann::json{{"ok", true}, {"device", a.device}, {"already_revoked", !*r}}.dump()
              << std::endl;
  } else {
    std::cout << "device " << a.device << (*r ? " revoked" : " was already revoked")
              << "; a running server refuses it from its next connection" << std::endl;
  }
  return 0;
}

struct ServeArgs {
  std::string data_dir;
  std::string listen = "127.0.0.1:7443";
  size_t max_connections = 512;
  std::string idle_timeout = "60s";
  std::string handshake_timeout = "10s";
  std::string session_limit = "30m";
  int threads = 2;
  uint64_t max_evidence_mb = 100;
  std::string store;
  bool echo = false;
  bool json = false;
  std::string console;  // HOST:PORT of the console; empty: no console
  std::string console_cert, console_key, console_today;
};

Status BuildServerOptions(const ServeArgs& a, TlsServerOptions* o) {
  RECTIFY_RETURN_IF_ERROR(ParseListen(a.listen, &o->host, &o->port));
  auto idle = ParseDuration(a.idle_timeout);
  auto hs = ParseDuration(a.handshake_timeout);
  auto limit = ParseDuration(a.session_limit);
  for (const Status& st : {idle.status(), hs.status(), limit.status()}) RECTIFY_RETURN_IF_ERROR(st);
  if (a.threads < 1 || a.max_connections < 1)
    return Status::InvalidArgument("--threads and --max-connections must be at least 1");
  o->tls = DistrictTlsFiles(a.data_dir);
  o->max_connections = a.max_connections;
  o->idle_timeout_ms = *idle;
  o->handshake_timeout_ms = *hs;
  o->session_limit_ms = *limit;
  o->tick_interval_ms = std::clamp<int64_t>(std::min(*idle, *hs) / 4, 10, 250);
  o->threads = a.threads;
  o->log = ServerLog;
  return Status::OK();
}

int RunServe(const ServeArgs& a) {
  TlsServerOptions o;
  if (Status st = BuildServerOptions(a, &o); !st.ok()) return ReportFailure("serve", st, a.json);
  auto revoked = std::make_shared<RevocationList>(a.data_dir + "/revoked.txt");
  if (Status st = revoked->Load(); !st.ok())
    return ReportFailure(
        "serve", st.Annotate("is " + a.data_dir + " a district made by `rectifyd init`?"), a.json);
  o.is_revoked = [revoked](const std::string& device) { return revoked->IsRevoked(device); };

  std::unique_ptr<SyncServer> sync;
  protocol::HandlerFactory factory;
  if (a.echo) {
    factory = MakeEchoHandlerFactory();
  } else {
    ServeOptions so;
    so.is_revoked = o.is_revoked;
    so.log = ServerLog;
    so.max_evidence_bytes = a.max_evidence_mb << 20;
    so.store = a.store;
    auto opened = SyncServer::Open(a.data_dir, std::move(so));
    if (!opened.ok()) return ReportFailure("serve", opened.status(), a.json);
    sync = std::move(*opened);
    factory = sync->handler_factory();
  }
  // Installed before listening: a SIGTERM right after "listening on" must stop us cleanly.
  asio::io_context signals_io;
  asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  auto server = TlsServer::Create(o, std::move(factory));
  if (!server.ok()) return ReportFailure("serve", server.status(), a.json);
  if (Status st = (*server)->Start(); !st.ok()) return ReportFailure("serve", st, a.json);

  const std::string bound = (o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host) +
                            ":" + std::to_string((*server)->port());
  if (a.json)
    std::cout << nlohmann::json{{"event", "listening"}, {"address", bound}}.dump() << std::endl;
  else
    std::cout << "listening on " << bound << std::endl;
  ServerLog("listening on " + bound + (a.echo ? " (echo diagnostic mode)" : "") + ", " +
            std::to_string(revoked->size()) + " device(s) revoked");

  // The console (docs/console.md): same process, same store, its own thread.
  std::unique_ptr<AccountStore> account_store;
  std::unique_ptr<Accounts> accounts;
  std::unique_ptr<DistrictView> view;
  std::unique_ptr<ConsoleOps> console_ops;
  std::unique_ptr<ConsoleServer> console;
  if (!a.console.empty()) {
    if (!sync) return ReportFailure("serve", Status::InvalidArgument("--console needs sync mode, not --echo"), a.json);
    ConsoleServerOptions co;
    if (Status st = ParseListen(a.console, &co.host, &co.port); !st.ok())
      return ReportFailure("serve", st.Annotate("--console"), a.json);
    co.cert_file = a.console_cert.empty() ? a.data_dir + "/server.pem" : a.console_cert;
    co.key_file = a.console_key.empty() ? a.data_dir + "/server.key" : a.console_key;
    co.app.today = a.console_today;
    auto opened = AccountStore::Open(a.data_dir + "/accounts.db");
    if (!opened.ok()) return ReportFailure("serve", opened.status(), a.json);
    account_store = std::move(*opened);
    accounts = std::make_unique<Accounts>(*account_store, SystemClock::Instance());
    view = std::make_unique<DistrictView>(
        sync->store(), VerifyingKey::FromSigningKey(sync->log_key()), sync->log_name());
    console_ops =
        std::make_unique<ConsoleOps>(sync->store(), sync->sync_service(), SystemClock::Instance());
    auto started =
        ConsoleServer::Start(*accounts, *view, *console_ops, SystemClock::Instance(), co);
    if (!started.ok()) return ReportFailure("serve", started.status(), a.json);
    console = std::move(*started);
    if (a.json)
      std::cout << nlohmann::json{{"event", "console"}, {"url", console->url()}}.dump()
                << std::endl;
    else
      std::cout << "console on " << console->url() << std::endl;
    ServerLog("console on " + console->url());
  }

  signals.async_wait([&](const asio::error_code& ec, int signo) {
    if (!ec) ServerLog("signal " + std::to_string(signo) + ": stopping");
  });
  signals_io.run();
  console.reset();
  (*server)->Stop();
  ServerLog("stopped");
  return 0;
}

}  // namespace

Status ParseListen(const std::string& text, std::string* host, uint16_t* port) {
  auto hp = ParseHostPort(text, PortZero::kAllow);
  if (!hp.ok()) return hp.status().Annotate("--listen");
  *host = hp->host;
  *port = hp->port;
  return Status::OK();
}

void AddInitCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<InitArgs>();
  CLI::App* cmd = app.add_subcommand("init", "create a district: CA, server certificate, log key");
  cmd->add_option("--data", args->options.data_dir, "district directory (created, 0700)")
      ->required();
  cmd->add_option("--hostname", args->options.hostnames,
                  "server DNS name or IP for its certificate (repeatable; default localhost; "
                  "127.0.0.1 and ::1 are always included)");
  cmd->add_option("--origin", args->options.origin,
                  "audit-log checkpoint origin (default <first hostname>/rectify)");
  cmd->add_flag("--json", args->json, "print the result as one JSON object");
  cmd->callback([args, exit_code] { *exit_code = RunInit(*args); });
}

void AddEnrollCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<EnrollArgs>();
  CLI::App* cmd =
      app.add_subcommand("enroll", "issue a device certificate for a school or an auditor");
  cmd->add_option("--data", args->options.data_dir, "district directory")->required();
  cmd->add_option("--school", args->options.school_id, "school id (required for role school)");
  cmd->add_option("--device", args->options.device_id, "device id, unique in the district")
      ->required();
  cmd->add_option("--role", args->options.role, "school or auditor")
      ->check([](const std::string& s) {
        return ParseRole(s) ? std::string() : "role must be school or auditor, got '" + s + "'";
      });
  cmd->add_option("--out", args->options.out_dir,
                  "directory receiving ca.pem, device.pem, device.key")
      ->required();
  cmd->add_flag("--json", args->json, "print the result as one JSON object");
  cmd->callback([args, exit_code] { *exit_code = RunEnroll(*args); });
}

void AddRevokeCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RevokeArgs>();
  CLI::App* cmd = app.add_subcommand("revoke", "refuse a device from its next connection on");
  cmd->add_option("--data", args->data_dir, "district directory")->required();
  cmd->add_option("--device", args->device, "device id")->required();
  cmd->add_flag("--json", args->json, "print the result as one JSON object");
  cmd->callback([args, exit_code] { *exit_code = RunRevoke(*args); });
}

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "run the TLS sync server until SIGTERM/SIGINT");
  cmd->add_option("--data", args->data_dir, "district directory")->required();
  cmd->add_option("--listen", args->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--max-connections", args->max_connections,
                  "connections beyond this are closed at once")
      ->capture_default_str();
  cmd->add_option("--idle-timeout", args->idle_timeout,
                  "close a session that sends nothing for this long (300ms, 30s, 5m)")
      ->capture_default_str();
  cmd->add_option("--handshake-timeout", args->handshake_timeout, "TLS handshake deadline")
      ->capture_default_str();
  cmd->add_option("--session-limit", args->session_limit, "longest session allowed")
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "I/O threads")->capture_default_str();
  cmd->add_option("--max-evidence-mb", args->max_evidence_mb,
                  "largest evidence file accepted by upload, in MiB")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20))
      ->capture_default_str();
  AddStoreOption(cmd, &args->store);
  cmd->add_flag("--echo", args->echo,
                "diagnostic: echo frames instead of syncing (tests the TLS setup end to end)");
  cmd->add_flag("--json", args->json, "print the listening event as JSON");
  cmd->add_option("--console", args->console,
                  "also serve the auditors' console over HTTPS on HOST:PORT (docs/console.md)");
  cmd->add_option("--console-cert", args->console_cert,
                  "console certificate chain (PEM); default DIR/server.pem");
  cmd->add_option("--console-key", args->console_key,
                  "console private key (PEM); default DIR/server.key");
  cmd->add_option("--console-today", args->console_today,
                  "test/demo: the console's date YYYY-MM-DD instead of today's");
  cmd->callback([args, exit_code] { *exit_code = RunServe(*args); });
}

void AddStoreOption(CLI::App* cmd, std::string* store) {
  cmd->add_option("--store", *store,
                  "where the district's data lives: sqlite (DIR/rectifyd.db, the default) or "
                  "postgresql://user@host/db shared by several servers");
}

int RunRectifyd(int argc, char** argv) {
  CLI::App app{"rectifyd: the Rectify district server and its administration"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("rectifyd ") + RECTIFY_VERSION);
  int exit_code = 0;
  AddInitCommand(app, &exit_code);
  AddEnrollCommand(app, &exit_code);
  AddRevokeCommand(app, &exit_code);
  AddServeCommand(app, &exit_code);
  AddVerifyCommand(app, &exit_code);
  AddBundleCommand(app, &exit_code);
  AddUserCommand(app, &exit_code);
  AddMigrateCommand(app, &exit_code);
  AddBackupCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}

int ReportFailure(const std::string& command, const Status& st, bool json) {
  std::cerr << "rectifyd " << command << ": error: " << st.ToString() << std::endl;
  if (json)
    std::cout << nlohmann::json{{"ok", false},
                                {"error", st.message()},
                                {"code", CodeName(st.code())}}
                     .dump()
              << std::endl;
  return 1;
}

}  // namespace rectify
