// The op: the unit of change (docs/design.md §4). Created on one device inside the
// same SQLite transaction as the edit and never modified afterwards, except
// that the server may clamp `hlc` (recording that it did) before storing it.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <cereal/types/string.hpp>
#include <cereal/types/variant.hpp>
#include <cereal/types/vector.hpp>

#include "shared/hlc.h"

namespace rectify {

// A field value: SQL NULL, an integer, or UTF-8 text (dates are "YYYY-MM-DD").
using Value = std::variant<std::monostate, int64_t, std::string>;
std::string ValueToString(const Value& v);  // "" for NULL
bool IsNull(const Value& v);

// Total order of writes: higher hlc wins, ties broken by device id.
struct Stamp {
  Hlc hlc;
  std::string device_id;

  bool is_zero() const { return hlc.is_zero() && device_id.empty(); }
  auto operator<=>(const Stamp&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(hlc, device_id);
  }
};

struct FieldChange {
  std::string field;
  Value value;
  Stamp base;  // the stamp of this field the device had seen; zero if none

  bool operator==(const FieldChange&) const = default;
  template <class Archive>
  void serialize(Archive& ar) {
    ar(field, value, base);
  }
};

struct Op {
  std::string device_id;
  uint64_t device_seq = 0;  // 1, 2, 3 … per device, no gaps
  std::string school_id;
  std::string entity;               // a name from schema.h
  std::string row_id;               // UUID made on the device (school rows use the school id)
  std::vector<FieldChange> fields;  // changed fields only, sorted by name, unique
  Hlc hlc;
  std::string author;  // the person's name as typed on the device
  uint32_t schema_version = 0;

  Stamp stamp() const { return Stamp{hlc, device_id}; }
  const FieldChange* Find(const std::string& field) const;
  bool operator==(const Op&) const = default;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(device_id, device_seq, school_id, entity, row_id, fields, hlc, author, schema_version);
  }
};

// Deterministic binary encoding (cereal portable binary, little endian).
std::string EncodeOp(const Op& op);
bool DecodeOp(const std::string& bytes, Op* out);

}  // namespace rectify
