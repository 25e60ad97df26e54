#include "client/cli/cli_context.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "client/cli/cli.h"

namespace rectify {

CliContext::CliContext() = default;
CliContext::~CliContext() = default;

Result<Ledger*> CliContext::ledger() {
  if (ledger_) return ledger_.get();
  const Clock& c = clock ? *clock : SystemClock::Instance();
  IdSource& i = ids ? *ids : RandomIdSource::Instance();
  auto opened = Ledger::Open(
      db_path, c, i, may_create ? Database::OpenMode::kCreate : Database::OpenMode::kExisting);
  if (!opened.ok()) return opened.status();  // already names the file
  ledger_ = std::move(opened).value();
  return ledger_.get();
}

Result<Ledger*> CliContext::school_ledger() {
  auto l = ledger();
  if (!l.ok()) return l;
  if ((*l)->school_id().empty())
    return Status::FailedPrecondition("the ledger " + db_path +
                                      " has no school yet; run `rectify init --school-id ID "
                                      "--school-name NAME` first");
  return l;
}

std::string CliContext::Today() const {
  if (!today.empty()) return today;
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

void CliContext::Fail(const Status& status) {
  if (json) {
    *err << JsonError(CodeName(status.code()), status.message(), 1) << "\n";
  } else {
    *err << "rectify: error: " << status.message() << "\n";
  }
  exit_code = 1;
}

void CliContext::Fail(const std::string& message) { Fail(Status::InvalidArgument(message)); }

void CliContext::Warn(const std::string& message) {
  if (json)
    *err << nlohmann::json{{"warning", message}}.dump(-1, ' ', false,
                                                      nlohmann::json::error_handler_t::replace)
         << "\n";
  else
    *err << Say("警告：", "warning: ") << message << "\n";
}

std::string JsonError(const std::string& code, const std::string& message, int exit_code) {
  return nlohmann::json{{"error", message}, {"code", code}, {"exit", exit_code}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace rectify
