// The school desk (docs/desk.md): the clerk's ledger in a browser on the
// school's own PC. A face: it checks who may ask (the loopback Host, the
// one-time token turned session cookie, Origin and CSRF on every POST),
// parses the request, calls one operation of client/ledger, client/report or
// client/sync, and renders the answer as a Chinese HTML page (server-side,
// no script needed). No SQL, no domain rule here.
//
// Ownership: borrows the Ledger, clock and id source, which must outlive it.
// Thread-safety: not thread-safe; the loopback server calls Handle() from
// its one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/ledger/id_source.h"
#include "client/ledger/import_row.h"
#include "client/ledger/ledger.h"
#include "shared/clock.h"
#include "web/http.h"
#include "web/templates.h"

namespace rectify {

struct DeskOptions {
  std::string db_path;  // the ledger file; its evidence store is beside it
  std::string author;   // the clerk's name, written into every op
  std::string today;    // "YYYY-MM-DD"; empty: the clock's local date
  int64_t utc_offset_minutes = 8 * 60;
  uint64_t max_evidence_bytes = 50ull << 20;
};

class DeskApp {
 public:
  // `token` is the one-time login token printed with the address.
  DeskApp(Ledger& ledger, const Clock& clock, IdSource& ids, DeskOptions options,
          std::string token);
  ~DeskApp();

  // The port the server bound: Host and Origin must name it.
  void set_port(uint16_t port) { port_ = port; }
  web::Response Handle(const web::Request& req);

 private:
  struct Ctx;
  web::Response Route(Ctx& c);
  web::Response Login(Ctx& c);
  web::Response Today(Ctx& c);
  web::Response LedgerTable(Ctx& c);
  web::Response Problem(Ctx& c, const std::string& number);
  web::Response ProblemPost(Ctx& c, const std::string& number, const std::string& verb);
  web::Response Undo(Ctx& c, const std::string& seq);
  web::Response SyncPage(Ctx& c);
  web::Response SyncPost(Ctx& c);
  web::Response BundleExport(Ctx& c);
  web::Response BundleImport(Ctx& c);
  web::Response ImportPage(Ctx& c);
  web::Response ImportPreview(Ctx& c);
  web::Response ImportApply(Ctx& c);
  web::Response Export(Ctx& c, const std::string& format);
  web::Response Notice(Ctx& c);
  web::Response SchoolPage(Ctx& c);
  web::Response SchoolPost(Ctx& c, const std::string& what);
  web::Response Conflicts(Ctx& c);
  web::Response ResolveConflict(Ctx& c, const std::string& id);

  web::Response Page(Ctx& c, const std::string& tmpl, const std::string& title, nlohmann::json data,
                     int status = 200);
  web::Response Error(Ctx& c, int status, const std::string& message);
  web::Response Back(Ctx& c, const std::string& to, const Status& st, const std::string& ok_msg);
  std::string Today() const;
  std::string EvidenceDir() const;

  Ledger& ledger_;
  const Clock& clock_;
  IdSource& ids_;
  DeskOptions options_;
  std::string login_token_;  // cleared once used
  std::string session_, csrf_;
  std::atomic<uint16_t> port_{0};
  std::string flash_;       // one message for the next page
  uint64_t seen_mark_ = 0;  // ConfirmedHighWater before the last sync
  struct PendingImport {
    std::string file_name;
    std::vector<ImportRow> rows;
  };
  std::map<std::string, PendingImport> imports_;  // preview id -> rows
  std::unique_ptr<web::TemplateSet> templates_;
};

// The page templates, compiled into the binary (desk_templates.cpp).
Status AddDeskTemplates(web::TemplateSet& set);

}  // namespace rectify
