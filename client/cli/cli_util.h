// Helpers shared by the cli_<group>.cpp files: optional field options,
// JSON/text output of domain values, money parsing. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "client/cli/cli_context.h"
#include "client/ledger/ledger.h"
#include "shared/domain.h"
#include "shared/status.h"

namespace rectify {

// A set of "--flag VALUE" options that map to ledger fields and are written
// only when given. An empty VALUE clears the field (NULL). Register with
// Add() while building the app; call Collect() from the command callback.
class FieldOptions {
 public:
  enum class Kind { kText, kDate, kInt, kDeadline };
  // `app` must outlive this object; so must this object the app's parse.
  void Add(CLI::App* app, const std::string& flag, const std::string& field,
           const std::string& help, Kind kind = Kind::kText);
  // The given options as Fields, validated by kind (InvalidArgument names the flag).
  Result<Fields> Collect() const;
  bool any() const;

 private:
  struct Entry {
    std::string flag, field;
    Kind kind;
    std::string value;
    CLI::Option* opt = nullptr;
  };
  std::vector<std::unique_ptr<Entry>> entries_;
};

// Writes `j` on ctx.out (pretty, UTF-8 kept as is) followed by a newline.
void PrintJson(CliContext& ctx, const nlohmann::json& j);

nlohmann::json ProblemJson(const ProblemInfo& p);
nlohmann::json MeasureJson(const MeasureInfo& m);
nlohmann::json NoteJson(const NoteInfo& n);
// A row from Ledger::GetRow as a JSON object (NULL -> null, ints, text).
nlohmann::json RowJson(const std::map<std::string, Value>& row);
// Prints a row as "field: value" lines, skipping NULLs and `deleted`.
void PrintRow(CliContext& ctx, const std::map<std::string, Value>& row);

// "12.5", "1,234.56", "3" (yuan) -> fen. InvalidArgument on anything else.
Result<int64_t> ParseYuan(const std::string& text);
// Formats fen as yuan "1234.50".
std::string FormatYuan(int64_t fen);


// ---- how people are shown things (docs/cli.md "Times, devices, rows") ----

// The first 8 characters of an id: enough to tell rows and devices apart on screen.
std::string ShortId(const std::string& id);
// A field value as a clerk reads it: a status code as its label (已完成),
// NULL as （空） / (empty).
std::string ValueLabel(const CliContext& ctx, const std::string& field, const Value& v);
// A replicated row named by its problem: "问题 3", "问题 3 措施 2",
// "问题 3 进展记录", else the entity and a short id. Reads the local ledger, so
// rows it does not hold (yet) get the short id.
std::string RowLabel(const CliContext& ctx, Ledger& ledger, const std::string& entity,
                     const std::string& row_id);

// Names for the ledger's device ids (the random id of each ledger in its ops):
// this device's own is the device name of its certificate, others the name
// the audit log bound them to when known, else a short id.
class DeviceNames {
 public:
  explicit DeviceNames(Ledger& ledger);
  // `known` (the audit log's name, may be empty) wins over a short id; this
  // device's own gets "（本机）" unless `mark_own` is false.
  std::string Label(const CliContext& ctx, const std::string& device_id,
                    const std::string& known = "", bool mark_own = true) const;

 private:
  std::string own_id_, own_name_;
};

// Whole file as bytes; IOError naming the path.
Result<std::string> ReadInputFile(const std::string& path);
// Writes `bytes` to a sibling temp file and renames it over `path`, so a
// failed write never leaves a truncated file behind.
Status WriteOutputFile(const std::string& path, const std::string& bytes);

}  // namespace rectify
