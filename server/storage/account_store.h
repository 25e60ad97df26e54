// Console accounts, enrolment links and web sessions (docs/console.md), in
// their own SQLite file DIR/accounts.db beside the district store. Rows only:
// the rules (hashing, throttling, timeouts) are in server/service/accounts.h.
// Tokens are never stored, only their SHA-256 digests.
//
// Thread-safety: thread-safe (one connection behind a mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "shared/sqlite.h"
#include "shared/status.h"

namespace rectify {

struct Account {
  std::string name;
  std::string role;                  // "auditor" or "viewer"
  std::vector<std::string> schools;  // empty: every school
  std::string password_hash;         // "" until enrolled
  bool disabled = false;
  int failed_logins = 0;             // consecutive wrong passwords
  int64_t throttled_until_ms = 0;
  int64_t created_ms = 0;
};

struct WebSession {
  std::string id_digest;  // SHA-256 hex of the cookie value
  std::string name;
  std::string csrf;       // the token every form and JSON action must carry
  int64_t created_ms = 0;
  int64_t last_seen_ms = 0;
};

class AccountStore {
 public:
  // Opens or creates the file (mode 0600).
  static Result<std::unique_ptr<AccountStore>> Open(const std::string& path);

  Status Insert(const Account& a);  // AlreadyExists if the name is taken
  Result<std::optional<Account>> Find(const std::string& name);
  Result<std::vector<Account>> List();  // by name
  Status SetPassword(const std::string& name, const std::string& hash);
  Status SetDisabled(const std::string& name, bool disabled);
  Status SetFailures(const std::string& name, int failed, int64_t throttled_until_ms);

  Status AddEnrolment(const std::string& digest, const std::string& name, int64_t expires_ms);
  // The account name of an unused, unexpired enrolment; nullopt otherwise.
  Result<std::optional<std::string>> PeekEnrolment(const std::string& digest, int64_t now_ms);
  // Marks it used; false if it was already used or expired (single use).
  Result<bool> UseEnrolment(const std::string& digest, int64_t now_ms);

  Status PutSession(const WebSession& s);
  Result<std::optional<WebSession>> FindSession(const std::string& id_digest);
  Status TouchSession(const std::string& id_digest, int64_t now_ms);
  Status DeleteSession(const std::string& id_digest);
  Status DeleteSessionsOf(const std::string& name);

 private:
  explicit AccountStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  Result<std::optional<Account>> FindLocked(const std::string& name);
  Status RunLocked(const std::string& sql, const std::vector<Value>& args);

  std::mutex mu_;
  std::unique_ptr<Database> db_;
};

}  // namespace rectify
