#include "web/templates.h"

#include <kainjow/mustache.hpp>

namespace rectify::web {

namespace mu = kainjow::mustache;

struct TemplateSet::Impl {
  std::map<std::string, std::string> sources;
};

TemplateSet::TemplateSet() : impl_(std::make_unique<Impl>()) {}
TemplateSet::~TemplateSet() = default;

Status TemplateSet::Add(const std::string& name, const std::string& text) {
  mu::mustache probe(text);
  if (!probe.is_valid())
    return Status::InvalidArgument("template " + name + ": " + probe.error_message());
  impl_->sources[name] = text;
  return Status::OK();
}

namespace {

mu::data ToData(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      mu::data d{mu::data::type::object};
      for (auto it = j.begin(); it != j.end(); ++it) d.set(it.key(), ToData(it.value()));
      return d;
    }
    case nlohmann::json::value_t::array: {
      mu::data d{mu::data::type::list};
      for (const auto& e : j) d.push_back(ToData(e));
      return d;
    }
    case nlohmann::json::value_t::string:
      return mu::data{j.get_ref<const std::string&>()};
    case nlohmann::json::value_t::boolean:
      return mu::data{j.get<bool>() ? mu::data::type::bool_true : mu::data::type::bool_false};
    case nlohmann::json::value_t::null:
      return mu::data{mu::data::type::bool_false};
    default:
      return mu::data{j.dump()};
  }
}

}  // namespace

Result<std::string> TemplateSet::Render(const std::string& name,
                                        const nlohmann::json& data) const {
  auto it = impl_->sources.find(name);
  if (it == impl_->sources.end()) return Status::NotFound("no template " + name);
  // mustache objects keep render state, so each render parses its own copy;
  // parsing a page template costs microseconds.
  mu::mustache tmpl(it->second);
  std::string out = tmpl.render(ToData(data));
  if (!tmpl.error_message().empty())
    return Status::Internal("template " + name + ": " + tmpl.error_message());
  return out;
}

}  // namespace rectify::web
