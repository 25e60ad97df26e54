#include "server/service/accounts.h"

#include <algorithm>

#include "shared/token.h"

namespace rectify {

namespace {

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

bool SessionView::MaySee(const std::string& school_id) const {
  return account.schools.empty() ||
         std::find(account.schools.begin(), account.schools.end(), school_id) !=
             account.schools.end();
}

Accounts::Accounts(AccountStore& store, const Clock& clock, AccountsOptions options)
    : store_(store), clock_(clock), options_(options) {}

Result<std::string> Accounts::Add(const std::string& name, const std::string& role,
                                  const std::vector<std::string>& schools,
                                  const std::optional<std::string>& password) {
  if (!ValidName(name))
    return Status::InvalidArgument("account name '" + name +
                                   "' must be 1-64 of A-Z a-z 0-9 . _ -");
  if (role != kConsoleRoleAuditor && role != kConsoleRoleViewer)
    return Status::InvalidArgument("role '" + role + "' is neither auditor nor viewer");
  for (const auto& s : schools)
    if (s.empty() || s.find(',') != std::string::npos)
      return Status::InvalidArgument("school id '" + s + "' is not valid");
  Account a;
  a.name = name;
  a.role = role;
  a.schools = schools;
  a.created_ms = clock_.NowMillis();
  if (password) {
    auto hash = HashPassword(*password, options_.scrypt);
    if (!hash.ok()) return hash.status();
    a.password_hash = *hash;
  }
  RECTIFY_RETURN_IF_ERROR(store_.Insert(a));
  if (password) return std::string();
  return NewEnrolment(name);
}

Result<std::string> Accounts::NewEnrolment(const std::string& name) {
  auto a = store_.Find(name);
  if (!a.ok()) return a.status();
  if (!*a) return Status::NotFound("no account " + name);
  std::string token = NewToken();
  RECTIFY_RETURN_IF_ERROR(
      store_.AddEnrolment(TokenDigest(token), name, clock_.NowMillis() + options_.enrol_ttl_ms));
  return token;
}

Result<std::vector<Account>> Accounts::List() { return store_.List(); }

Status Accounts::Disable(const std::string& name) {
  RECTIFY_RETURN_IF_ERROR(store_.SetDisabled(name, true));
  return store_.DeleteSessionsOf(name);
}

Result<std::string> Accounts::CheckEnrolment(const std::string& token) {
  auto name = store_.PeekEnrolment(TokenDigest(token), clock_.NowMillis());
  if (!name.ok()) return name.status();
  if (!*name) return Status::NotFound("this enrolment link was used, expired or never issued");
  return **name;
}

Status Accounts::Enrol(const std::string& token, const std::string& password) {
  auto name = CheckEnrolment(token);
  if (!name.ok()) return name.status();
  if (password.size() < 8) return Status::InvalidArgument("the password needs 8 characters or more");
  auto hash = HashPassword(password, options_.scrypt);
  if (!hash.ok()) return hash.status();
  auto used = store_.UseEnrolment(TokenDigest(token), clock_.NowMillis());
  if (!used.ok()) return used.status();
  if (!*used) return Status::NotFound("this enrolment link was used, expired or never issued");
  return store_.SetPassword(*name, *hash);
}

Status Accounts::CheckPassword(const Account& a, const std::string& password) {
  const int64_t now = clock_.NowMillis();
  if (a.throttled_until_ms > now) {
    const int64_t minutes = (a.throttled_until_ms - now + 59'999) / 60'000;
    return Status::Unavailable("too many wrong passwords; try again in " +
                               std::to_string(minutes) + " minutes");
  }
  if (!a.password_hash.empty() && VerifyPassword(password, a.password_hash)) {
    if (a.failed_logins != 0) RECTIFY_RETURN_IF_ERROR(store_.SetFailures(a.name, 0, 0));
    return Status::OK();
  }
  const int failed = a.failed_logins + 1;
  const bool throttle = failed >= options_.max_failures;
  RECTIFY_RETURN_IF_ERROR(
      store_.SetFailures(a.name, throttle ? 0 : failed, throttle ? now + options_.throttle_ms : 0));
  if (throttle)
    return Status::Unavailable("too many wrong passwords; try again in " +
                               std::to_string(options_.throttle_ms / 60'000) + " minutes");
  return Status::PermissionDenied("wrong name or password");
}

Result<LoginTicket> Accounts::Login(const std::string& name, const std::string& password) {
  auto a = store_.Find(name);
  if (!a.ok()) return a.status();
  if (!*a || (*a)->disabled) {
    // Same work and answer as a wrong password: no account enumeration.
    VerifyPassword(password, "");
    return Status::PermissionDenied("wrong name or password");
  }
  RECTIFY_RETURN_IF_ERROR(CheckPassword(**a, password));
  LoginTicket t{NewToken(), NewToken()};
  const int64_t now = clock_.NowMillis();
  RECTIFY_RETURN_IF_ERROR(store_.PutSession(WebSession{TokenDigest(t.session_id), name, t.csrf, now, now}));
  return t;
}

Status Accounts::Reauthenticate(const std::string& name, const std::string& password) {
  auto a = store_.Find(name);
  if (!a.ok()) return a.status();
  if (!*a || (*a)->disabled) return Status::PermissionDenied("wrong name or password");
  return CheckPassword(**a, password);
}

Result<SessionView> Accounts::Resume(const std::string& session_id) {
  if (session_id.empty()) return Status::NotFound("no session");
  const std::string digest = TokenDigest(session_id);
  auto s = store_.FindSession(digest);
  if (!s.ok()) return s.status();
  if (!*s) return Status::NotFound("no session");
  const int64_t now = clock_.NowMillis();
  if (now - (*s)->last_seen_ms > options_.idle_timeout_ms) {
    RECTIFY_RETURN_IF_ERROR(store_.DeleteSession(digest));
    return Status::NotFound("session expired");
  }
  auto a = store_.Find((*s)->name);
  if (!a.ok()) return a.status();
  if (!*a || (*a)->disabled) return Status::NotFound("account disabled");
  // The idle timer moves in steps of a minute: most requests write nothing.
  if (now - (*s)->last_seen_ms >= 60'000) RECTIFY_RETURN_IF_ERROR(store_.TouchSession(digest, now));
  return SessionView{std::move(**a), (*s)->csrf};
}

Status Accounts::Logout(const std::string& session_id) {
  return store_.DeleteSession(TokenDigest(session_id));
}

}  // namespace rectify
