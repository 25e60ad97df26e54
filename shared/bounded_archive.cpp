#include "shared/bounded_archive.h"

#include <algorithm>

namespace rectify {

BoundedInputArchive::BoundedInputArchive(std::string_view in)
    : cereal::InputArchive<BoundedInputArchive, cereal::AllowEmptyClassElision>(this), in_(in) {
  uint8_t little = 0;
  Take(&little, 1);
  if (little > 1)
    throw cereal::Exception("bad endianness flag " + std::to_string(little) +
                            ": not a portable binary encoding");
  const uint16_t probe = 1;
  const bool host_little = *reinterpret_cast<const uint8_t*>(&probe) == 1;
  swap_ = host_little != (little == 1);
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

void BoundedInputArchive::SwapEach(unsigned char* p, size_t size, size_t width) {
  for (size_t i = 0; i + width <= size; i += width) std::reverse(p + i, p + i + width);
}

}  // namespace rectify
