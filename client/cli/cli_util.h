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


// Whole file as bytes; IOError naming the path.
Result<std::string> ReadInputFile(const std::string& path);
// Writes `bytes` to a sibling temp file and renames it over `path`, so a
// failed write never leaves a truncated file behind.
Status WriteOutputFile(const std::string& path, const std::string& bytes);

}  // namespace rectify
