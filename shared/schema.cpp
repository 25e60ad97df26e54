#include "shared/schema.h"

namespace rectify {

namespace {
using T = FieldType;
}

const FieldDef* EntityDef::Find(std::string_view field) const {
  for (const auto& f : fields)
    if (f.name == field) return &f;
  return nullptr;
}

const std::vector<EntityDef>& Entities() {
  static const std::vector<EntityDef> kEntities = {
      {"school",
       {{"name", T::kText},
        {"org_name", T::kText},  // 中共…支部委员会, signs the notice
        {"phone", T::kText},
        {"postal", T::kText},  // 邮政信箱 / postal address
        {"email", T::kText},
        {"completion_rule", T::kText},  // see domain.h CompletionRule
        {"warn_days", T::kInt},
        {"deleted", T::kInt}}},
      {"inspection",
       {{"group_name", T::kText},  // 区委第一巡察组
        {"kind", T::kText},        // 常规巡察
        {"onsite_from", T::kDate},
        {"onsite_to", T::kDate},
        {"feedback_date", T::kDate},
        {"plan_date", T::kDate},
        {"phase", T::kText},  // 集中整改 / 日常整改
        {"notice_date", T::kDate},
        {"ordinal", T::kInt},
        {"deleted", T::kInt}}},
      {"aspect",
       {{"inspection_id", T::kText},
        {"ordinal", T::kInt},
        {"title", T::kText},
        {"deleted", T::kInt}}},
      {"category",
       {{"aspect_id", T::kText}, {"ordinal", T::kInt}, {"title", T::kText}, {"deleted", T::kInt}}},
      {"problem",
       {{"inspection_id", T::kText},
        {"aspect_id", T::kText},
        {"category_id", T::kText},
        {"number", T::kInt},
        {"title", T::kText},
        {"detail", T::kText},
        {"kind", T::kKind},
        {"status", T::kStatus},
        {"status_reason", T::kText},
        {"deadline", T::kDeadline},
        {"department", T::kText},
        {"person", T::kText},
        {"result", T::kText},
        {"internal", T::kInt},  // 1: left out of the public notice (社会公开稿)
        {"deleted", T::kInt}}},
      {"measure",
       {{"problem_id", T::kText},
        {"ordinal", T::kInt},
        {"text", T::kText},
        {"owner", T::kText},
        {"deadline", T::kDeadline},
        {"done_date", T::kDate},
        {"deleted", T::kInt}}},
      {"progress_note",
       {{"problem_id", T::kText},
        {"date", T::kDate},
        {"author", T::kText},
        {"text", T::kText},
        {"deleted", T::kInt}}},
      {"evidence",
       {{"problem_id", T::kText},
        {"measure_id", T::kText},
        {"sha256", T::kText},
        {"name", T::kText},
        {"size", T::kInt},
        {"deleted", T::kInt}}},
      {"accountability",
       {{"inspection_id", T::kText},
        {"kind", T::kText},   // funds / disposition
        {"label", T::kText},  // 政务处分, 诫勉谈话, 追回资金 …
        {"count", T::kInt},
        {"amount_fen", T::kInt},
        {"note", T::kText},
        {"deleted", T::kInt}}},
      {"next_step",
       {{"inspection_id", T::kText},
        {"ordinal", T::kInt},
        {"title", T::kText},
        {"text", T::kText},
        {"deleted", T::kInt}}},
  };
  return kEntities;
}

const EntityDef* FindEntity(std::string_view name) {
  for (const auto& e : Entities())
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace rectify
