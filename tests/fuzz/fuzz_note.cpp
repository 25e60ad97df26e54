// Signed notes, checkpoint bodies and verifier key strings.
#include "fuzz_util.h"
#include "shared/checkpoint.h"
#include "shared/ed25519.h"

using namespace rectify;

namespace {

struct Keys {
  SigningKey signing = *SigningKey::Generate();
  VerifyingKey verifying = VerifyingKey::FromSigningKey(signing);
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Keys keys;
  fuzz::Reader in(data, size);
  const uint8_t mode = in.Byte() % 4;
  std::string_view text = in.Rest();
  switch (mode) {
    case 0: {  // a note as read from the wire or a file
      auto cp = VerifyNote(text, "rectify.district", keys.verifying);
      (void)NoteText(text);
      FUZZ_CHECK(!cp.ok());  // nobody but the harness holds the key
      break;
    }
    case 1: {  // a checkpoint body: parse, print, parse again
      auto cp = ParseCheckpointBody(text);
      if (!cp.ok()) break;
      const std::string body = CheckpointBody(*cp);
      auto back = ParseCheckpointBody(body);
      FUZZ_CHECK(back.ok() && *back == *cp);
      break;
    }
    case 2: {  // a body we sign ourselves must verify, with any key name
      auto note = SignNote(text, "rectify.district", keys.signing);
      if (!note.ok()) break;
      auto cp = VerifyNote(*note, "rectify.district", keys.verifying);
      auto parsed = ParseCheckpointBody(text);
      FUZZ_CHECK(cp.ok() == parsed.ok());
      break;
    }
    default:
      (void)ParseVerifierKey(text);
  }
  return 0;
}
