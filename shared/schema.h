// The replicated entities and their fields (docs/design.md §2). Client tables,
// server validation, CSV import and the ops all take names from here, so an
// entity or field name that is not listed is never accepted from anywhere.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace rectify {

// Bumped whenever an entity or field is added; carried in every op and hello.
inline constexpr uint32_t kSchemaVersion = 1;

// The type of a field decides which values it may hold (CheckFieldValue in
// shared/field_value.h); every field may also be null (unset).
enum class FieldType {
  kText,
  kInt,       // integers; money is in fen
  kDate,      // "YYYY-MM-DD", a real calendar day (shared/date.h)
  kDeadline,  // a date or 长期
  kStatus,    // a problem status code (shared/domain.h)
  kKind,      // a problem kind code (shared/domain.h)
};

struct FieldDef {
  std::string_view name;
  FieldType type;
};

struct EntityDef {
  std::string_view name;  // also the client's SQLite table name
  std::vector<FieldDef> fields;
  const FieldDef* Find(std::string_view field) const;
};

// Every entity. Every one also has the common field "deleted" (0/1 tombstone).
const std::vector<EntityDef>& Entities();
const EntityDef* FindEntity(std::string_view name);

inline constexpr std::string_view kDeletedField = "deleted";

// Entity names, for call sites.
namespace entity {
inline constexpr std::string_view kSchool = "school";
inline constexpr std::string_view kInspection = "inspection";
inline constexpr std::string_view kAspect = "aspect";
inline constexpr std::string_view kCategory = "category";
inline constexpr std::string_view kProblem = "problem";
inline constexpr std::string_view kMeasure = "measure";
inline constexpr std::string_view kProgressNote = "progress_note";
inline constexpr std::string_view kEvidence = "evidence";
inline constexpr std::string_view kAccountability = "accountability";
inline constexpr std::string_view kNextStep = "next_step";
}  // namespace entity

}  // namespace rectify
