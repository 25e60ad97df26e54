// A province on PostgreSQL (docs/operations.md §8): the raw PostgreSQL COPY
// limit, then fan-in of D devices against one and against three
// `rectifyd serve --store postgresql://…` on that database, in the same run.
// Push throughput is reported as a ratio to the COPY limit (rows of a leaf's
// size per second; a pushed op writes about 3.4 rows, docs/scale.md).
//   bench_province --pg postgresql:///postgres?host=/run/postgresql [--quick] [--devices N]
// Each configuration gets its own schema (search_path), dropped first.
#include <libpq-fe.h>

#include "bench/fanin_util.h"

using namespace rectify;
using namespace rectify::bench;

namespace {

void Exec(PGconn* c, const std::string& sql) {  // a statement that returns no COPY
  PGresult* r = PQexec(c, sql.c_str());
  const auto st = PQresultStatus(r);
  const std::string err = PQresultErrorMessage(r);
  PQclear(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) Die(sql, Status::IOError(err));
}

std::string WithSchema(const std::string& uri, const std::string& schema) {
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

// Rows/s of COPY into a table shaped like `leaves`, one transaction.
double MeasureCopyLimit(PGconn* c, int rows, size_t row_bytes) {
  Exec(c, "DROP TABLE IF EXISTS bench_copy_limit");
  Exec(c,
       "CREATE TABLE bench_copy_limit(school_id TEXT NOT NULL, idx BIGINT NOT NULL, hash BYTEA "
       "NOT NULL, bytes BYTEA NOT NULL, PRIMARY KEY(school_id, idx))");
  const std::string hash = "\\\\x" + std::string(64, 'a');
  const std::string body = "\\\\x" + std::string(row_bytes * 2, 'b');
  const double t0 = NowSec();
  Exec(c, "BEGIN");
  PGresult* start = PQexec(c, "COPY bench_copy_limit FROM STDIN");
  if (PQresultStatus(start) != PGRES_COPY_IN) Die("COPY", Status::IOError(PQerrorMessage(c)));
  PQclear(start);
  std::string chunk;
  for (int i = 0; i < rows; ++i) {
    chunk += "school-" + std::to_string(i % 200) + "\t" + std::to_string(i) + "\t" + hash + "\t" +
             body + "\n";
    if (chunk.size() > (1 << 20) || i + 1 == rows) {
      if (PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size())) != 1)
        Die("COPY", Status::IOError(PQerrorMessage(c)));
      chunk.clear();
    }
  }
  if (PQputCopyEnd(c, nullptr) != 1) Die("COPY end", Status::IOError(PQerrorMessage(c)));
  PGresult* r = PQgetResult(c);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) Die("COPY", Status::IOError(PQresultErrorMessage(r)));
  PQclear(r);
  Exec(c, "COMMIT");
  const double secs = NowSec() - t0;
  Exec(c, "DROP TABLE bench_copy_limit");
  return rows / secs;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv);
  std::string uri = std::getenv("RECTIFY_BENCH_PG") ? std::getenv("RECTIFY_BENCH_PG") : "";
  FanInConfig c;
  if (a.quick) c = {100, 20, 50, 64, 2};
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--pg") uri = argv[i + 1];
    if (std::string(argv[i]) == "--devices") c.devices = std::atoi(argv[i + 1]);
  }
  if (uri.empty()) Die("bench_province", Status::InvalidArgument("--pg URI is required"));
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) Die("connect", Status::Unavailable(PQerrorMessage(conn)));
  Exec(conn, "SET client_min_messages TO warning");

  const size_t row_bytes = EncodeOp(TypicalOp(1)).size() * 2;  // a leaf: the op plus its record
  const int copy_rows = a.quick ? 20'000 : 200'000;
  const double limit = MeasureCopyLimit(conn, copy_rows, row_bytes);
  Emit({{"bench", "pg_copy_limit"},
        {"rows", copy_rows},
        {"row_bytes", row_bytes},
        {"rows_per_s", std::round(limit)},
        {"ratio_to_limit", 1.0}});

  for (int servers : {1, 3}) {
    const std::string schema = "bench_province_" + std::to_string(servers);
    Exec(conn, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    Exec(conn, "CREATE SCHEMA " + schema);
    const std::string store = WithSchema(uri, schema);
    TempDir dir;
    MakeDistrict(dir / "district");
    PrepareFanIn(dir / "district", dir, c);
    std::vector<std::unique_ptr<ServerProcess>> procs;
    std::vector<uint16_t> ports;
    for (int s = 0; s < servers; ++s) {
      procs.push_back(std::make_unique<ServerProcess>(dir / "district", c.server_threads,
                                                      std::vector<std::string>{"--store", store},
                                                      "serve" + std::to_string(s) + ".log"));
      ports.push_back(procs.back()->port());
    }
    double cpu0 = 0;
    for (auto& p : procs) cpu0 += p->CpuSeconds();
    const FanInResult r = RunFanIn(dir, c, ports);
    double cpu = -cpu0;
    for (auto& p : procs) cpu += p->CpuSeconds();
    const double ops_per_s = r.pushed / r.wall_s;
    Emit({{"bench", "province_fan_in"},
          {"servers", servers},
          {"devices", c.devices},
          {"schools", c.schools},
          {"ops_per_device", c.ops},
          {"client_threads", c.threads},
          {"errors", r.errors.size()},
          {"ops_pushed", r.pushed},
          {"wall_s", std::round(r.wall_s * 100) / 100},
          {"sessions_per_s", std::round(c.devices / r.wall_s * 10) / 10},
          {"ops_per_s", std::round(ops_per_s)},
          {"p50_session_s", std::round(Percentile(r.times, 0.5) * 1000) / 1000},
          {"p99_session_s", std::round(Percentile(r.times, 0.99) * 1000) / 1000},
          {"servers_cpu_s", std::round(cpu * 100) / 100},
          {"rows_per_s_est", std::round(ops_per_s * 3.4)},
          {"ratio_to_limit", Ratio(ops_per_s * 3.4, limit)}});
    Exec(conn, "DROP SCHEMA " + schema + " CASCADE");
    if (!r.errors.empty()) return 1;
  }
  PQfinish(conn);
  return 0;
}
