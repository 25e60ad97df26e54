#include "server/admin/rectifyd_user.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "server/admin/rectifyd_cli.h"
#include "server/service/accounts.h"
#include "server/storage/account_store.h"

namespace rectify {

namespace {

struct UserArgs {
  std::string data_dir, name, role, url;
  std::vector<std::string> schools;
  bool password_stdin = false;
  bool json = false;
};

Result<std::unique_ptr<AccountStore>> OpenAccounts(const std::string& data_dir) {
  std::ifstream probe(data_dir + "/district.json");
  if (!probe) return Status::NotFound(data_dir + " is not a district made by `rectifyd init`");
  return AccountStore::Open(data_dir + "/accounts.db");
}

int RunAdd(const UserArgs& a) {
  auto fail = [&](const Status& st) { return ReportFailure("user add", st, a.json); };
  auto store = OpenAccounts(a.data_dir);
  if (!store.ok()) return fail(store.status());
  Accounts accounts(**store, SystemClock::Instance());
  std::optional<std::string> password;
  if (a.password_stdin) {
    std::string line;
    std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    password = line;
  }
  auto token = accounts.Add(a.name, a.role, a.schools, password);
  if (!token.ok()) return fail(token.status());
  const std::string link = token->empty() ? "" : a.url + "/enrol?token=" + *token;
  if (a.json) {
    nlohmann::json j{{"ok", true}, {"name", a.name}, {"role", a.role}, {"schools", a.schools}};
    if (!link.empty()) j["enrol_link"] = link;
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << "account " << a.name << " (" << a.role << ") created" << std::endl;
    if (!link.empty())
      std::cout << "one-time enrolment link (24 h): " << link << std::endl;
  }
  return 0;
}

int RunList(const UserArgs& a) {
  auto store = OpenAccounts(a.data_dir);
  if (!store.ok()) return ReportFailure("user list", store.status(), a.json);
  auto list = (*store)->List();
  if (!list.ok()) return ReportFailure("user list", list.status(), a.json);
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& acc : *list) {
    const std::string state =
        acc.disabled ? "disabled" : acc.password_hash.empty() ? "not enrolled" : "active";
    rows.push_back({{"name", acc.name}, {"role", acc.role}, {"schools", acc.schools},
                    {"state", state}});
    if (!a.json) {
      std::string schools;
      for (const auto& s : acc.schools) schools += (schools.empty() ? "" : ",") + s;
      std::cout << acc.name << "\t" << acc.role << "\t" << (schools.empty() ? "*" : schools)
                << "\t" << state << "\n";
    }
  }
  if (a.json) std::cout << rows.dump() << std::endl;
  return 0;
}

int RunDisable(const UserArgs& a) {
  auto store = OpenAccounts(a.data_dir);
  if (!store.ok()) return ReportFailure("user disable", store.status(), a.json);
  Accounts accounts(**store, SystemClock::Instance());
  if (Status st = accounts.Disable(a.name); !st.ok())
    return ReportFailure("user disable", st, a.json);
  std::cout << (a.json ? nlohmann::json{{"ok", true}, {"name", a.name}}.dump()
                       : "account " + a.name + " disabled; its sessions ended")
            << std::endl;
  return 0;
}

}  // namespace

void AddUserCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<UserArgs>();
  CLI::App* user = app.add_subcommand("user", "console accounts (auditors and viewers)");
  user->require_subcommand(1);
  CLI::App* add = user->add_subcommand("add", "create an account");
  add->add_option("--data", args->data_dir, "district directory")->required();
  add->add_option("--name", args->name, "login name (A-Z a-z 0-9 . _ -)")->required();
  add->add_option("--role", args->role, "auditor or viewer")
      ->required()
      ->check(CLI::IsMember({"auditor", "viewer"}));
  add->add_option("--school", args->schools, "limit the account to this school (repeatable)");
  add->add_flag("--password-stdin", args->password_stdin,
                "read the password from stdin instead of printing an enrolment link");
  add->add_option("--url", args->url, "the console's address, for the enrolment link")
      ->default_val("https://localhost:8443");
  add->add_flag("--json", args->json, "print the result as JSON");
  add->callback([args, exit_code] { *exit_code = RunAdd(*args); });
  CLI::App* list = user->add_subcommand("list", "list accounts");
  list->add_option("--data", args->data_dir, "district directory")->required();
  list->add_flag("--json", args->json, "print the result as JSON");
  list->callback([args, exit_code] { *exit_code = RunList(*args); });
  CLI::App* disable = user->add_subcommand("disable", "disable an account and end its sessions");
  disable->add_option("--data", args->data_dir, "district directory")->required();
  disable->add_option("--name", args->name, "login name")->required();
  disable->add_flag("--json", args->json, "print the result as JSON");
  disable->callback([args, exit_code] { *exit_code = RunDisable(*args); });
}

}  // namespace rectify
