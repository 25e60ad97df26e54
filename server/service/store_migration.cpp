#include "server/service/store_migration.h"

#include "server/service/audit_log.h"
#include "server/storage/pg_store.h"
#include "server/storage/sqlite_store.h"

namespace rectify {

namespace {

// The copy must answer like the source: same log, same latest checkpoint,
// same ops.
Status Compare(Store& pg, const SchoolDump& d) {
  auto txn = pg.BeginRead(d.school_id);
  if (!txn.ok()) return txn.status();
  auto leaves = (*txn)->LeafCount();
  if (!leaves.ok()) return leaves.status();
  if (*leaves != d.leaves.size())
    return Status::Corruption("postgresql holds " + std::to_string(*leaves) + " leaves, sqlite " +
                              std::to_string(d.leaves.size()));
  auto cp = (*txn)->LatestCheckpoint();
  if (!cp.ok()) return cp.status();
  const std::string want = d.checkpoints.empty() ? "" : d.checkpoints.back().note;
  if ((cp->has_value() ? (*cp)->note : "") != want)
    return Status::Corruption("latest checkpoints differ");
  for (const auto& op : d.ops) {
    auto found = (*txn)->FindOp(op.op.device_id, op.op.device_seq);
    if (!found.ok()) return found.status();
    if (!found->has_value() || (*found)->op != op.op ||
        (*found)->result.server_seq != op.result.server_seq)
      return Status::Corruption("op " + op.op.device_id + "/" + std::to_string(op.op.device_seq) +
                                " differs");
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<MigratedSchool>> MigrateToPostgres(const std::string& data_dir,
                                                      const std::string& uri,
                                                      const VerifyingKey& key,
                                                      const std::string& log_name) {
  auto sqlite = SqliteStore::Open(data_dir);
  if (!sqlite.ok()) return sqlite.status().Annotate("opening " + data_dir + "/rectifyd.db");
  // A broken log is not copied: it would be signed over on the other side.
  RECTIFY_RETURN_IF_ERROR(VerifyAllLogs(**sqlite, key, log_name).Annotate("source (sqlite)"));
  auto pg = PgStore::Open(uri);
  if (!pg.ok()) return pg.status();
  auto schools = (*sqlite)->ListSchools();
  if (!schools.ok()) return schools.status();
  std::vector<MigratedSchool> out;
  for (const auto& school : *schools) {
    auto dump = (*sqlite)->DumpSchool(school);
    if (!dump.ok()) return dump.status().Annotate("school " + school);
    MigratedSchool m{school, dump->leaves.size(), dump->ops.size(), false};
    RECTIFY_RETURN_IF_ERROR((*pg)->LoadSchool(*dump, &m.copied).Annotate("school " + school));
    RECTIFY_RETURN_IF_ERROR(
        VerifySchoolLog(**pg, school, key, log_name).Annotate("copy (postgresql)"));
    RECTIFY_RETURN_IF_ERROR(Compare(**pg, *dump).Annotate("school " + school + " copy"));
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace rectify
