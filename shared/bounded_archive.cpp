#include "shared/bounded_archive.h"

#include <bit>

namespace rectify {

BoundedInputArchive::BoundedInputArchive(std::string_view in)
    : cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision>(this), in_(in) {
  static_assert(std::endian::native == std::endian::little,
                "the wire format is little endian; a big-endian host needs byte swaps here");
  uint8_t little = 0;
  Take(&little, 1);
  if (little != 1)
    throw cereal::Exception("endianness flag " + std::to_string(little) +
                            ": only the little-endian encoding is accepted");
}

void BoundedInputArchive::CheckClaim(uint64_t count, size_t min_bytes) const {
  if (count > remaining() / min_bytes)
    throw cereal::Exception("a length prefix claims " + std::to_string(count) + " elements but " +
                            std::to_string(remaining()) + " bytes are left");
}

void BoundedInputArchive::Take(void* data, size_t size) {
  if (size > remaining())
    throw cereal::Exception("truncated: need " + std::to_string(size) + " bytes, " +
                            std::to_string(remaining()) + " left");
  if (size > 0) std::memcpy(data, in_.data() + pos_, size);
  pos_ += size;
}

}  // namespace rectify
