// An input archive for cereal's portable binary format that never trusts a
// length prefix (docs/security.md, "Bounded decoding").
//
// cereal's own loaders resize a string or vector to the length the input
// claims before reading a byte of it, so a 10-byte body that claims 1 GiB
// allocates 1 GiB. BoundedInputArchive reads the same bytes as
// cereal::PortableBinaryInputArchive, but:
//   * every size tag (strings, vectors, any container) is checked against
//     the bytes left in the input before anything is allocated for it;
//   * vectors of non-arithmetic elements grow as elements actually decode,
//     never to the claimed count at once;
//   * a bool must be 0 or 1 on the wire;
//   * only the little-endian form is accepted (what every writer of this
//     project produces), so each value has exactly one encoding.
// So a decoded value's memory is bounded by a small multiple of the input
// (at most about 8 bytes of containers per input byte, plus the bytes).
// Every failure throws cereal::Exception; DecodeBounded turns it into a Status.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <cereal/archives/portable_binary.hpp>
#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "shared/status.h"

namespace rectify {

class BoundedInputArchive
    : public cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision> {
 public:
  // Reads the 1-byte endianness flag PortableBinaryOutputArchive writes
  // first; it must say little endian.
  explicit BoundedInputArchive(std::string_view in);

  size_t remaining() const { return in_.size() - pos_; }

  // Copies `size` bytes (little-endian elements of DataSize bytes, which is
  // the host order: see the static_assert in the .cpp); throws if fewer are left.
  template <size_t DataSize>
  void LoadBinary(void* data, size_t size) {
    Take(data, size);
  }

  // Throws unless `count` elements of at least `min_bytes` each can still
  // be in the input.
  void CheckClaim(uint64_t count, size_t min_bytes) const;

 private:
  void Take(void* data, size_t size);

  std::string_view in_;
  size_t pos_ = 0;
};

// Decodes `bytes` into *out; InvalidArgument("<what>: …") on malformed or
// truncated input or trailing bytes.
template <class T>
Status DecodeBounded(std::string_view bytes, T* out, std::string_view what);

// ---- cereal hooks (found by argument-dependent lookup) ----------------------

template <class T>
requires std::is_arithmetic_v<T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, T& t) {
  if constexpr (std::is_same_v<T, bool>) {
    uint8_t b = 0;
    ar.LoadBinary<1>(&b, 1);
    if (b > 1) throw cereal::Exception("a bool holds " + std::to_string(b) + ", not 0 or 1");
    t = b != 0;
  } else {
    ar.LoadBinary<sizeof(T)>(std::addressof(t), sizeof(t));
  }
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::NameValuePair<T>& t) {
  ar(t.value);
}

// Every container's length: at most one element per remaining byte (each
// element of every type this project encodes takes at least one byte).
template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::SizeTag<T>& t) {
  uint64_t n = 0;
  ar.LoadBinary<sizeof(n)>(&n, sizeof(n));
  ar.CheckClaim(n, 1);
  t.size = static_cast<std::remove_reference_t<T>>(n);
}

template <class T>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, cereal::BinaryData<T>& bd) {
  using E = std::remove_pointer_t<T>;
  ar.LoadBinary<sizeof(E)>(bd.data, static_cast<size_t>(bd.size));
}

// Strings and arithmetic vectors: the whole payload must be present.
template <class C, class Tr, class A>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, std::basic_string<C, Tr, A>& s) {
  uint64_t n = 0;
  ar.LoadBinary<sizeof(n)>(&n, sizeof(n));
  ar.CheckClaim(n, sizeof(C));
  s.resize(static_cast<size_t>(n));
  ar.LoadBinary<sizeof(C)>(s.data(), static_cast<size_t>(n) * sizeof(C));
}

template <class T, class A>
void CEREAL_LOAD_FUNCTION_NAME(BoundedInputArchive& ar, std::vector<T, A>& v) {
  uint64_t n = 0;
  ar.LoadBinary<sizeof(n)>(&n, sizeof(n));
  v.clear();
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    ar.CheckClaim(n, sizeof(T));
    v.resize(static_cast<size_t>(n));
    ar.LoadBinary<sizeof(T)>(v.data(), static_cast<size_t>(n) * sizeof(T));
  } else {
    ar.CheckClaim(n, 1);
    for (uint64_t i = 0; i < n; ++i) {
      T elem{};
      ar(elem);
      v.push_back(std::move(elem));
    }
  }
}

template <class T>
Status DecodeBounded(std::string_view bytes, T* out, std::string_view what) {
  try {
    BoundedInputArchive ar(bytes);
    ar(*out);
    if (ar.remaining() != 0)
      return Status::InvalidArgument(std::string(what) + ": " + std::to_string(ar.remaining()) +
                                     " trailing bytes");
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string(what) + ": " + e.what());
  }
}

}  // namespace rectify

// The writer of what BoundedInputArchive reads (cereal asks for the pair).
namespace cereal::traits::detail {
template <>
struct get_output_from_input<rectify::BoundedInputArchive> {
  using type = cereal::PortableBinaryOutputArchive;
};
}  // namespace cereal::traits::detail

CEREAL_REGISTER_ARCHIVE(rectify::BoundedInputArchive)
