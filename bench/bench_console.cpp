// The console's overview (docs/console.md): GET / rendered as HTML (and as
// JSON) over a district of 500 schools × 60 problems, each school seeded
// through the sync service like a device's push. Target: under 100 ms.
#include "bench/bench_util.h"
#include "server/console/console_app.h"
#include "server/service/accounts.h"
#include "server/service/console_ops.h"
#include "server/service/district_view.h"
#include "server/service/sync_service_impl.h"
#include "server/storage/account_store.h"
#include "server/storage/sqlite_store.h"
#include "shared/ed25519.h"
#include "shared/schema.h"

using namespace rectify;
using namespace rectify::bench;

namespace {

constexpr int kSchools = 500;
constexpr int kProblems = 60;

Op MakeOp(const std::string& school, uint64_t seq, const std::string& entity,
          const std::string& row, std::vector<FieldChange> fields, int64_t ms) {
  Op op;
  op.device_id = "pc-" + school;
  op.device_seq = seq;
  op.school_id = school;
  op.entity = entity;
  op.row_id = row;
  std::sort(fields.begin(), fields.end(),
            [](const FieldChange& a, const FieldChange& b) { return a.field < b.field; });
  op.fields = std::move(fields);
  op.hlc = Hlc::Make(ms, 0);
  op.author = "bench";
  op.schema_version = kSchemaVersion;
  return op;
}

FieldChange F(const std::string& f, Value v) { return FieldChange{f, std::move(v), {}}; }

void Seed(SyncServiceImpl& service, const std::string& school, int64_t now) {
  protocol::SessionContext ctx;
  ctx.peer = {school, "pc-" + school, "school", "127.0.0.1:1"};
  ctx.school_id = school;
  std::vector<Op> ops;
  uint64_t seq = 0;
  auto add = [&](const std::string& e, const std::string& r, std::vector<FieldChange> f) {
    ++seq;
    ops.push_back(MakeOp(school, seq, e, r, std::move(f), now - 100000 + int64_t(seq)));
  };
  add("school", school, {F("name", std::string("学校") + school)});
  add("inspection", "i1", {F("ordinal", int64_t{1})});
  add("aspect", "a1", {F("inspection_id", std::string("i1")), F("ordinal", int64_t{1}),
                       F("title", std::string("方面"))});
  add("category", "c1", {F("aspect_id", std::string("a1")), F("ordinal", int64_t{1}),
                         F("title", std::string("类别"))});
  const char* statuses[] = {"not_started", "in_progress", "completed", "long_term"};
  for (int p = 1; p <= kProblems; ++p)
    add("problem", "p" + std::to_string(p),
        {F("inspection_id", std::string("i1")), F("aspect_id", std::string("a1")),
         F("category_id", std::string("c1")), F("number", int64_t{p}),
         F("title", "问题" + std::to_string(p)), F("kind", std::string("within_period")),
         F("status", std::string(statuses[p % 4])),
         F("deadline", std::string(p % 3 ? "2024-04-01" : "2024-05-01")),
         F("department", std::string("后勤处")), F("person", std::string("主任"))});
  protocol::PushBatch batch{"seed", std::move(ops)};
  Must(service.Push(ctx, batch), "seed push");
}

}  // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("rectify_bench_console_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  SystemClock& clock = SystemClock::Instance();
  auto store = Must(SqliteStore::Open(dir.string()), "store");
  SigningKey key = Must(SigningKey::Generate(), "key");
  SyncServiceImpl service(*store, key, clock);
  const double t0 = NowSec();
  for (int s = 0; s < kSchools; ++s) {
    char id[16];
    std::snprintf(id, sizeof id, "s%03d", s);
    Seed(service, id, clock.NowMillis());
  }
  const double seeded = NowSec() - t0;
  auto accounts_store = Must(AccountStore::Open((dir / "accounts.db").string()), "accounts");
  Accounts accounts(*accounts_store, clock);
  Must(accounts.Add("bench", "auditor", {}, std::string("bench-password")), "account");
  auto ticket = Must(accounts.Login("bench", "bench-password"), "login");
  DistrictView view(*store, VerifyingKey::FromSigningKey(key), kDefaultLogName);
  ConsoleOps ops(*store, service, clock);
  ConsoleOptions co;
  co.today = "2024-04-25";
  ConsoleApp app(accounts, view, ops, clock, co);
  auto measure = [&](bool json) {
    web::Request req;
    req.method = "GET";
    req.path = "/";
    req.headers = {{"Cookie", "__Host-rectify-console=" + ticket.session_id}};
    if (json) req.headers.emplace_back("Accept", "application/json");
    std::vector<double> ms;
    size_t bytes = 0;
    double cold_ms = 0;
    for (int i = 0; i < 8; ++i) {
      const double a = NowSec();
      web::Response r = app.Handle(req);
      const double took = (NowSec() - a) * 1000;
      if (i == 0) cold_ms = took; else ms.push_back(took);
      if (r.status != 200) Die("overview", Status::Internal("status " + std::to_string(r.status)));
      bytes = r.body.size();
    }
    std::sort(ms.begin(), ms.end());
    Emit({{"bench", json ? "console_overview_json" : "console_overview_html"},
          {"schools", kSchools},
          {"problems_per_school", kProblems},
          {"median_ms", std::round(ms[ms.size() / 2] * 10) / 10},
          {"cold_ms", std::round(cold_ms * 10) / 10},
          {"note", "cold: first render after start (every school summarised); then each school "
                   "is recomputed only when its log grew"},
          {"min_ms", std::round(ms.front() * 10) / 10},
          {"bytes", bytes},
          {"target_ms", 100},
          {"ratio_to_target", std::round(ms[ms.size() / 2] / 100 * 100) / 100}});
  };
  Emit({{"bench", "console_seed"}, {"schools", kSchools}, {"seconds", std::round(seeded * 10) / 10}});
  measure(false);
  measure(true);
  // One school syncs: only it is summarised again.
  char one[16];
  std::snprintf(one, sizeof one, "s%03d", 7);
  {
    protocol::SessionContext ctx;
    ctx.peer = {one, std::string("pc-") + one, "school", "127.0.0.1:1"};
    ctx.school_id = one;
    protocol::PushBatch b{"more", {MakeOp(one, kProblems + 5, "problem", "p1",
                                          {F("status", std::string("completed"))},
                                          clock.NowMillis())}};
    Must(service.Push(ctx, b), "push one");
  }
  measure(false);
  std::filesystem::remove_all(dir);
  return 0;
}
