// `rectify desk`: the ledger in a browser on this PC (docs/desk.md). Only
// the registration lives here; the face is client/desk.
#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "client/cli/cli_commands.h"
#include "client/desk/desk_server.h"

namespace rectify {

namespace {

std::atomic<bool> g_desk_stop{false};
extern "C" void OnDeskSignal(int) { g_desk_stop = true; }

struct DeskArgs {
  int port = 0;
  bool no_browser = false;
  uint64_t max_evidence_mb = 50;
};

void RunDesk(CliContext& ctx, const DeskArgs& a) {
  auto l = ctx.school_ledger();
  if (!l.ok()) return ctx.Fail(l.status());
  DeskServerOptions o;
  o.port = static_cast<uint16_t>(a.port);
  o.app.db_path = ctx.db_path;
  o.app.author = ctx.author;
  o.app.today = ctx.today;
  o.app.max_evidence_bytes = a.max_evidence_mb << 20;
  const Clock& clock = ctx.clock ? *ctx.clock : SystemClock::Instance();
  IdSource& ids = ctx.ids ? *ctx.ids : RandomIdSource::Instance();
  auto server = DeskServer::Start(**l, clock, ids, o);
  if (!server.ok()) return ctx.Fail(server.status());
  *ctx.out << "整改台账已在本机打开：" << (*server)->login_url() << "\n"
           << "（链接只能使用一次；按 Ctrl+C 关闭）\n"
           << std::flush;
  if (!a.no_browser && !OpenBrowser((*server)->login_url()))
    ctx.Warn("could not start the browser (xdg-open); open the link above by hand");
  std::signal(SIGINT, OnDeskSignal);
  std::signal(SIGTERM, OnDeskSignal);
  while (!g_desk_stop) std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

}  // namespace

void AddDeskCommand(CLI::App& app, CliContext& ctx) {
  auto a = std::make_shared<DeskArgs>();
  CLI::App* desk =
      app.add_subcommand("desk", "the ledger in a browser on this PC (127.0.0.1 only)");
  desk->add_option("--port", a->port, "port on 127.0.0.1 (default: any free port)")
      ->check(CLI::Range(0, 65535));
  desk->add_flag("--no-browser", a->no_browser, "only print the link, do not open a browser");
  desk->add_option("--max-evidence-mb", a->max_evidence_mb, "largest evidence upload in MiB")
      ->check(CLI::Range(1, 1024));
  desk->callback([&ctx, a] { RunDesk(ctx, *a); });
}

}  // namespace rectify
