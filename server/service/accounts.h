// Console accounts (docs/console.md): creating and disabling them, the
// one-time enrolment link, password login with throttling, server-side
// sessions with an idle timeout and their CSRF token.
//
// Ownership: borrows `store` and `clock`. Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/storage/account_store.h"
#include "shared/clock.h"
#include "shared/password.h"
#include "shared/status.h"

namespace rectify {

inline constexpr const char* kConsoleRoleAuditor = "auditor";
inline constexpr const char* kConsoleRoleViewer = "viewer";

struct AccountsOptions {
  int64_t enrol_ttl_ms = 24ll * 3600 * 1000;
  int64_t idle_timeout_ms = 30ll * 60 * 1000;
  int max_failures = 5;                   // this many wrong passwords in a row …
  int64_t throttle_ms = 15ll * 60 * 1000;  // … refuse every login for this long
  ScryptParams scrypt;
};

struct LoginTicket {
  std::string session_id;  // the cookie value (never stored)
  std::string csrf;
};

struct SessionView {
  Account account;
  std::string csrf;
  // True if the account may see `school_id`.
  bool MaySee(const std::string& school_id) const;
  bool read_only() const { return account.role != kConsoleRoleAuditor; }
};

class Accounts {
 public:
  Accounts(AccountStore& store, const Clock& clock, AccountsOptions options = {});

  // Creates an account. With `password` it is usable at once and "" is
  // returned; without, the enrolment token (valid enrol_ttl_ms, single use).
  // InvalidArgument for a bad name ([A-Za-z0-9._-], 1-64) or role.
  Result<std::string> Add(const std::string& name, const std::string& role,
                          const std::vector<std::string>& schools,
                          const std::optional<std::string>& password);
  // A new enrolment token for an existing account (e.g. a forgotten password).
  Result<std::string> NewEnrolment(const std::string& name);
  Result<std::vector<Account>> List();
  // Disables the account and ends its sessions.
  Status Disable(const std::string& name);

  // The account name an enrolment token is for; NotFound if used/expired/unknown.
  Result<std::string> CheckEnrolment(const std::string& token);
  // Sets the password and spends the token.
  Status Enrol(const std::string& token, const std::string& password);

  // PermissionDenied("wrong name or password") or
  // Unavailable("too many wrong passwords; try again in N minutes").
  Result<LoginTicket> Login(const std::string& name, const std::string& password);
  // Checks the password of a logged-in account again (销号, 回头看); counts
  // towards throttling like a login.
  Status Reauthenticate(const std::string& name, const std::string& password);
  // The live session of a cookie value; NotFound if none, expired (idle) or
  // the account was disabled. Refreshes its idle timer.
  Result<SessionView> Resume(const std::string& session_id);
  Status Logout(const std::string& session_id);

 private:
  Status CheckPassword(const Account& a, const std::string& password);

  AccountStore& store_;
  const Clock& clock_;
  AccountsOptions options_;
};

}  // namespace rectify
