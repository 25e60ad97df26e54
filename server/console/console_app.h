// The district console (docs/console.md): auditors and viewers review every
// school in a browser. A face: it parses the request, checks the session,
// calls one operation (Accounts, DistrictView, ConsoleOps) and renders the
// answer as HTML (server-side, Chinese, no script needed), JSON (Accept:
// application/json) or .xlsx (?format=xlsx). No SQL, no domain rule here.
//
// Ownership: borrows every operation and the clock. Thread-safety: Handle()
// is thread-safe if the operations are (they are).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "server/service/accounts.h"
#include "server/service/console_ops.h"
#include "server/service/district_view.h"
#include "shared/clock.h"
#include "web/http.h"
#include "web/templates.h"

namespace rectify {

struct ConsoleOptions {
  std::string today;                    // "YYYY-MM-DD"; empty: the clock's date
  int64_t utc_offset_minutes = 8 * 60;  // the district's local time
};

class ConsoleApp {
 public:
  ConsoleApp(Accounts& accounts, DistrictView& view, ConsoleOps& ops, const Clock& clock,
             ConsoleOptions options = {});
  ~ConsoleApp();

  web::Response Handle(const web::Request& req);

 private:
  struct Ctx;
  web::Response Route(Ctx& c);
  web::Response Login(Ctx& c);
  web::Response Logout(Ctx& c);
  web::Response Enrol(Ctx& c);
  web::Response Overview(Ctx& c);
  web::Response Overdue(Ctx& c);
  web::Response School(Ctx& c, const std::string& id);
  web::Response Problem(Ctx& c, const std::string& id, int number);
  web::Response ProblemAction(Ctx& c, const std::string& id, int number, const std::string& verb);
  web::Response Conflicts(Ctx& c, const std::string& id);
  web::Response ResolveConflict(Ctx& c, const std::string& id, uint64_t conflict_id);
  web::Response Rejected(Ctx& c, const std::string& id);
  web::Response Audit(Ctx& c, const std::string& id, const std::string& part);

  web::Response Page(Ctx& c, const std::string& tmpl, const std::string& title,
                     nlohmann::json data, int status = 200);
  web::Response Error(Ctx& c, int status, const std::string& message);
  web::Response FromStatus(Ctx& c, const Status& st);
  std::string Today() const;
  std::string FormatTime(int64_t unix_ms) const;

  Accounts& accounts_;
  DistrictView& view_;
  ConsoleOps& ops_;
  const Clock& clock_;
  ConsoleOptions options_;
  std::unique_ptr<web::TemplateSet> templates_;
};

// The page templates, compiled into the binary (console_templates.cpp).
Status AddConsoleTemplates(web::TemplateSet& set);

}  // namespace rectify
