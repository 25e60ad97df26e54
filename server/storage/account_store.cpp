#include "server/storage/account_store.h"

#include <sys/stat.h>

namespace rectify {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS accounts(
  name TEXT PRIMARY KEY, role TEXT NOT NULL, schools TEXT NOT NULL,
  password_hash TEXT NOT NULL, disabled INTEGER NOT NULL, failed INTEGER NOT NULL,
  throttled_until INTEGER NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS enrolments(
  digest TEXT PRIMARY KEY, name TEXT NOT NULL, expires INTEGER NOT NULL, used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions(
  digest TEXT PRIMARY KEY, name TEXT NOT NULL, csrf TEXT NOT NULL,
  created INTEGER NOT NULL, last_seen INTEGER NOT NULL);
)sql";

// Schools are ids without commas (shared/utf8 id rules); kept as one text.
std::string JoinSchools(const std::vector<std::string>& schools) {
  std::string out;
  for (const auto& s : schools) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> SplitSchools(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t comma = text.find(',', start);
    out.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

constexpr const char* kAccountColumns =
    "SELECT name, role, schools, password_hash, disabled, failed, throttled_until, created "
    "FROM accounts";

Account ReadAccount(const Statement& st) {
  Account a;
  a.name = st.ColumnText(0);
  a.role = st.ColumnText(1);
  a.schools = SplitSchools(st.ColumnText(2));
  a.password_hash = st.ColumnText(3);
  a.disabled = st.ColumnInt(4) != 0;
  a.failed_logins = static_cast<int>(st.ColumnInt(5));
  a.throttled_until_ms = st.ColumnInt(6);
  a.created_ms = st.ColumnInt(7);
  return a;
}

Status BindAll(Statement& st, const std::vector<Value>& args) {
  int i = 0;
  for (const auto& v : args) RECTIFY_RETURN_IF_ERROR(st.Bind(++i, v));
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<AccountStore>> AccountStore::Open(const std::string& path) {
  auto db = Database::Open(path, /*durable_sync=*/true);
  if (!db.ok()) return db.status();
  ::chmod(path.c_str(), 0600);  // password hashes: owner only
  RECTIFY_RETURN_IF_ERROR((*db)->Exec(kSchema));
  return std::unique_ptr<AccountStore>(new AccountStore(std::move(*db)));
}

Status AccountStore::RunLocked(const std::string& sql, const std::vector<Value>& args) {
  auto st = db_->Prepare(sql);
  if (!st.ok()) return st.status();
  RECTIFY_RETURN_IF_ERROR(BindAll(*st, args));
  return st->Run();
}

Status AccountStore::Insert(const Account& a) {
  std::lock_guard lock(mu_);
  auto existing = FindLocked(a.name);
  if (!existing.ok()) return existing.status();
  if (*existing) return Status::AlreadyExists("account " + a.name + " exists");
  return RunLocked(
      "INSERT INTO accounts(name, role, schools, password_hash, disabled, failed, "
      "throttled_until, created) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
      {a.name, a.role, JoinSchools(a.schools), a.password_hash, int64_t{a.disabled ? 1 : 0},
       int64_t{a.failed_logins}, a.throttled_until_ms, a.created_ms});
}

Result<std::optional<Account>> AccountStore::FindLocked(const std::string& name) {
  auto st = db_->Prepare(std::string(kAccountColumns) + " WHERE name=?1");
  if (!st.ok()) return st.status();
  RECTIFY_RETURN_IF_ERROR(st->Bind(1, name));
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Account>();
  return std::optional<Account>(ReadAccount(*st));
}

Result<std::optional<Account>> AccountStore::Find(const std::string& name) {
  std::lock_guard lock(mu_);
  return FindLocked(name);
}

Result<std::vector<Account>> AccountStore::List() {
  std::lock_guard lock(mu_);
  auto st = db_->Prepare(std::string(kAccountColumns) + " ORDER BY name");
  if (!st.ok()) return st.status();
  std::vector<Account> out;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) return out;
    out.push_back(ReadAccount(*st));
  }
}

Status AccountStore::SetPassword(const std::string& name, const std::string& hash) {
  std::lock_guard lock(mu_);
  return RunLocked("UPDATE accounts SET password_hash=?2, failed=0, throttled_until=0 WHERE name=?1",
                   {name, hash});
}

Status AccountStore::SetDisabled(const std::string& name, bool disabled) {
  std::lock_guard lock(mu_);
  auto existing = FindLocked(name);
  if (!existing.ok()) return existing.status();
  if (!*existing) return Status::NotFound("no account " + name);
  return RunLocked("UPDATE accounts SET disabled=?2 WHERE name=?1",
                   {name, int64_t{disabled ? 1 : 0}});
}

Status AccountStore::SetFailures(const std::string& name, int failed, int64_t throttled_until_ms) {
  std::lock_guard lock(mu_);
  return RunLocked("UPDATE accounts SET failed=?2, throttled_until=?3 WHERE name=?1",
                   {name, int64_t{failed}, throttled_until_ms});
}

Status AccountStore::AddEnrolment(const std::string& digest, const std::string& name,
                                  int64_t expires_ms) {
  std::lock_guard lock(mu_);
  return RunLocked("INSERT INTO enrolments(digest, name, expires, used) VALUES(?1,?2,?3,0)",
                   {digest, name, expires_ms});
}

Result<std::optional<std::string>> AccountStore::PeekEnrolment(const std::string& digest,
                                                               int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto st = db_->Prepare("SELECT name FROM enrolments WHERE digest=?1 AND used=0 AND expires>?2");
  if (!st.ok()) return st.status();
  RECTIFY_RETURN_IF_ERROR(BindAll(*st, {digest, now_ms}));
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(st->ColumnText(0));
}

Result<bool> AccountStore::UseEnrolment(const std::string& digest, int64_t now_ms) {
  std::lock_guard lock(mu_);
  RECTIFY_RETURN_IF_ERROR(RunLocked(
      "UPDATE enrolments SET used=1 WHERE digest=?1 AND used=0 AND expires>?2", {digest, now_ms}));
  return db_->Changes() == 1;
}

Status AccountStore::PutSession(const WebSession& s) {
  std::lock_guard lock(mu_);
  return RunLocked(
      "INSERT INTO sessions(digest, name, csrf, created, last_seen) VALUES(?1,?2,?3,?4,?5)",
      {s.id_digest, s.name, s.csrf, s.created_ms, s.last_seen_ms});
}

Result<std::optional<WebSession>> AccountStore::FindSession(const std::string& id_digest) {
  std::lock_guard lock(mu_);
  auto st =
      db_->Prepare("SELECT digest, name, csrf, created, last_seen FROM sessions WHERE digest=?1");
  if (!st.ok()) return st.status();
  RECTIFY_RETURN_IF_ERROR(st->Bind(1, id_digest));
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<WebSession>();
  return std::optional<WebSession>(WebSession{st->ColumnText(0), st->ColumnText(1),
                                              st->ColumnText(2), st->ColumnInt(3),
                                              st->ColumnInt(4)});
}

Status AccountStore::TouchSession(const std::string& id_digest, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return RunLocked("UPDATE sessions SET last_seen=?2 WHERE digest=?1", {id_digest, now_ms});
}

Status AccountStore::DeleteSession(const std::string& id_digest) {
  std::lock_guard lock(mu_);
  return RunLocked("DELETE FROM sessions WHERE digest=?1", {id_digest});
}

Status AccountStore::DeleteSessionsOf(const std::string& name) {
  std::lock_guard lock(mu_);
  return RunLocked("DELETE FROM sessions WHERE name=?1", {name});
}

}  // namespace rectify
