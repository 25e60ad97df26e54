// HTML rendering through kainjow mustache, which escapes every {{value}} for
// HTML by default ({{{raw}}} is never used with user data). Templates are
// compiled into the binary by the face that owns them and parsed once.
// Data is a nlohmann::json value, the same one a JSON client receives.
//
// Thread-safety: Add() before use; Render() is then safe from many threads.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "shared/status.h"

namespace rectify::web {

class TemplateSet {
 public:
  TemplateSet();
  ~TemplateSet();
  TemplateSet(const TemplateSet&) = delete;
  TemplateSet& operator=(const TemplateSet&) = delete;

  // InvalidArgument naming the template if it does not parse.
  Status Add(const std::string& name, const std::string& text);
  // Renders `name` with `data`. In the data: strings and numbers print, bools
  // and arrays drive sections, null is false. NotFound for an unknown name.
  Result<std::string> Render(const std::string& name, const nlohmann::json& data) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rectify::web
