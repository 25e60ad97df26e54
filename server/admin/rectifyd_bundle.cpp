#include "server/admin/rectifyd_bundle.h"

#include "server/admin/rectifyd_cli.h"

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "server/service/bundle_import.h"
#include "shared/file_io.h"

namespace rectify {

namespace {

struct ImportArgs {
  std::string data_dir, file;
  bool json = false;
};

int RunImport(const ImportArgs& a) {
  auto s = ImportSchoolBundle(a.data_dir, a.file, [](const std::string& line) {
    std::cerr << "rectifyd: " << line << std::endl;
  });
  if (!s.ok()) return ReportFailure("bundle import", s.status(), a.json);
  if (a.json) {
    std::cout << nlohmann::json{{"ok", true},
                                {"school", s->school_id},
                                {"device", s->device_id},
                                {"ops", s->ops},
                                {"applied", s->applied},
                                {"superseded", s->superseded},
                                {"rejected", s->rejected},
                                {"replayed", s->replayed},
                                {"rejections", s->rejections},
                                {"tree_size", s->tree_size},
                                {"evidence_files", s->evidence_files},
                                {"evidence_stored", s->evidence_stored},
                                {"evidence_bytes", s->evidence_bytes},
                                {"evidence_held", s->evidence_held},
                                {"evidence_skipped", s->evidence_skipped}}
                     .dump()
              << std::endl;
    return 0;
  }
  std::cout << "imported bundle of device " << s->device_id << " (school " << s->school_id
            << "): " << s->ops << " ops (applied " << s->applied << ", superseded " << s->superseded
            << ", rejected " << s->rejected << "; " << s->replayed
            << " already held); audit log size " << s->tree_size
            << "; evidence files: " << s->evidence_stored << " stored (" << s->evidence_bytes
            << " bytes), " << s->evidence_held << " already held, " << s->evidence_skipped.size()
            << " skipped\n";
  for (const auto& r : s->rejections) std::cout << "  rejected: " << r << "\n";
  for (const auto& e : s->evidence_skipped) std::cout << "  evidence skipped: " << e << "\n";
  return 0;
}

struct ExportArgs {
  DistrictExportOptions options;
  std::string file;
  bool json = false, no_evidence = false;
  uint64_t max_evidence_mb = 512;
};

int RunExport(const ExportArgs& args) {
  ExportArgs a = args;
  a.options.evidence = !a.no_evidence;
  a.options.max_evidence_bytes = a.max_evidence_mb << 20;
  DistrictExportSummary s;
  auto bytes = ExportDistrictBundle(a.options, &s);
  if (!bytes.ok()) return ReportFailure("bundle export", bytes.status(), a.json);
  if (Status st = WriteFileAtomic(a.file, *bytes); !st.ok())
    return ReportFailure("bundle export", st, a.json);
  if (a.json) {
    std::cout << nlohmann::json{{"ok", true},
                                {"school", a.options.school_id},
                                {"file", a.file},
                                {"ops", s.ops},
                                {"conflicts", s.conflicts},
                                {"rejections", s.rejections},
                                {"next_cursor", s.next_cursor},
                                {"tree_size", s.tree_size},
                                {"evidence_files", s.evidence_files},
                                {"evidence_bytes", s.evidence_bytes},
                                {"evidence_missing", s.evidence_missing},
                                {"evidence_left_out", s.evidence_left_out},
                                {"notes", s.notes},
                                {"bytes", bytes->size()}}
                     .dump()
              << std::endl;
    return 0;
  }
  std::cout << "wrote " << a.file << " for school " << a.options.school_id << ": " << s.ops
            << " ops after cursor " << a.options.since << ", " << s.conflicts << " conflicts, "
            << s.rejections << " rejected ops, audit log size " << s.tree_size << ", "
            << s.evidence_files << " evidence files (" << s.evidence_bytes << " bytes)\n";
  for (const auto& n : s.notes) std::cout << "  " << n << "\n";
  return 0;
}

}  // namespace

void AddBundleCommand(CLI::App& app, int* exit_code) {
  CLI::App* bundle =
      app.add_subcommand("bundle", "offline bundles: sync by USB stick when there is no link");
  bundle->require_subcommand(1);

  auto in = std::make_shared<ImportArgs>();
  CLI::App* imp = bundle->add_subcommand(
      "import",
      "verify a school's bundle and import its ops and evidence exactly like an online push");
  imp->add_option("--data", in->data_dir, "district directory")->required();
  imp->add_option("FILE", in->file, "bundle made by `rectify bundle export`")->required();
  imp->add_flag("--json", in->json, "print the result as one JSON object");
  imp->callback([in, exit_code] { *exit_code = RunImport(*in); });

  auto out = std::make_shared<ExportArgs>();
  CLI::App* exp = bundle->add_subcommand(
      "export",
      "write a signed bundle of a school's ops, audit checkpoint and evidence for its devices");
  exp->add_option("--data", out->options.data_dir, "district directory")->required();
  exp->add_option("--school", out->options.school_id, "school id")->required();
  exp->add_option("--since", out->options.since,
                  "the school's pull cursor (`rectify status`): only later ops are included")
      ->capture_default_str();
  exp->add_option(
         "--known-size", out->options.known_size,
         "size of the school's last verified checkpoint: the consistency proof starts there")
      ->capture_default_str();
  exp->add_flag("--no-evidence", out->no_evidence, "carry the ops only, no evidence file");
  exp->add_option("--max-evidence-mb", out->max_evidence_mb,
                  "evidence files past this many MiB in total are left out (and listed)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{0}, uint64_t{1000}));
  exp->add_option("FILE", out->file, "bundle file to write")->required();
  exp->add_flag("--json", out->json, "print the result as one JSON object");
  exp->callback([out, exit_code] { *exit_code = RunExport(*out); });
}

}  // namespace rectify
