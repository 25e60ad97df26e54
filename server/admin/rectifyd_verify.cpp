#include "server/admin/rectifyd_verify.h"

#include <fcntl.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "server/admin/rectifyd_cli.h"
#include "server/service/audit_log.h"
#include "server/service/serve_wiring.h"
#include "server/storage/store_factory.h"
#include "shared/checkpoint.h"

namespace rectify {

namespace {

struct VerifyArgs {
  std::string data_dir, school, store;
  bool json = false;
};

int RunVerify(const VerifyArgs& a) {
  auto fail = [&](const Status& st) { return ReportFailure("verify", st, a.json); };
  auto log_name = ReadDistrictLogName(a.data_dir);
  if (!log_name.ok()) return fail(log_name.status());
  auto key = ReadLogKey(a.data_dir);
  if (!key.ok()) return fail(key.status());
  auto store = OpenStore(a.data_dir, a.store);
  if (!store.ok()) return fail(store.status());
  const VerifyingKey vkey = VerifyingKey::FromSigningKey(*key);
  std::vector<std::string> schools;
  if (a.school.empty()) {
    auto all = (*store)->ListSchools();
    if (!all.ok()) return fail(all.status());
    schools = *all;
  } else {
    schools = {a.school};
  }
  nlohmann::json report = nlohmann::json::array();
  for (const auto& school : schools) {
    Status st = VerifySchoolLog(**store, school, vkey, *log_name);
    if (!st.ok()) return fail(st.Annotate("school " + school));
    auto txn = (*store)->BeginRead(school);
    uint64_t leaves = 0;
    if (txn.ok()) {
      auto n = (*txn)->LeafCount();
      if (n.ok()) leaves = *n;
    }
    report.push_back({{"school", school}, {"leaves", leaves}, {"ok", true}});
    if (!a.json)
      std::cout << "OK  " << school << ": " << leaves << " leaves match the signed checkpoints\n";
  }
  if (a.json)
    std::cout << nlohmann::json{{"ok", true}, {"schools", report}}.dump() << "\n";
  else
    std::cout << "verified " << schools.size() << " school log(s)\n";
  return 0;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Rebuild every school's audit-log tree from its leaves and check the signed checkpoints");
  cmd->add_option("--data", args->data_dir, "district directory")->required();
  cmd->add_option("--school", args->school, "verify one school only");
  AddStoreOption(cmd, &args->store);
  cmd->add_flag("--json", args->json, "machine-readable result");
  cmd->callback([args, exit_code] { *exit_code = RunVerify(*args); });
}

Status WriteDeviceLogKey(const std::string& data_dir, const std::string& out_dir) {
  auto name = ReadDistrictLogName(data_dir);
  if (!name.ok()) return name.status();
  auto key = ReadLogKey(data_dir);
  if (!key.ok()) return key.status();
  const VerifyingKey vkey = VerifyingKey::FromSigningKey(*key);
  const std::string text = VerifierKeyString(*name, vkey.Raw()) + "\n" + vkey.ToPem();
  const std::string path = out_dir + "/log.pub";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return Status::IOError("cannot create " + path);
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok ? Status::OK() : Status::IOError("cannot write " + path);
}

}  // namespace rectify
