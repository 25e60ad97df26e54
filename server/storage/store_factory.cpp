#include "server/storage/store_factory.h"

#include "server/storage/pg_store.h"
#include "server/storage/sqlite_store.h"

namespace rectify {

Result<std::unique_ptr<Store>> OpenStore(const std::string& data_dir, const std::string& spec) {
  if (spec.empty() || spec == "sqlite") {
    auto s = SqliteStore::Open(data_dir);
    if (!s.ok()) return s.status();
    return std::unique_ptr<Store>(std::move(*s));
  }
  if (IsPostgresUri(spec)) {
    auto s = PgStore::Open(spec);
    if (!s.ok()) return s.status();
    return std::unique_ptr<Store>(std::move(*s));
  }
  return Status::InvalidArgument("--store wants \"sqlite\" or a postgresql:// URI, got \"" +
                                 DescribeStore(data_dir, spec) + "\"");
}

std::string DescribeStore(const std::string& data_dir, const std::string& spec) {
  if (spec.empty() || spec == "sqlite") return data_dir + "/rectifyd.db";
  // postgresql://user:secret@host/db -> postgresql://user:***@host/db
  const size_t scheme = spec.find("://");
  const size_t at = spec.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return spec;
  const size_t colon = spec.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return spec;
  return spec.substr(0, colon + 1) + "***" + spec.substr(at);
}

}  // namespace rectify
