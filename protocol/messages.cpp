#include "protocol/messages.h"

namespace rectify::protocol {

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kApplied:
      return "applied";
    case Outcome::kSuperseded:
      return "superseded";
    case Outcome::kRejected:
      return "rejected";
  }
  return "unknown";
}

}  // namespace rectify::protocol
