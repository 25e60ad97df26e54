// Bundles: the envelope as read from a USB stick (signature, signer and CA
// checks), and the contents section of versions 1 (no evidence) and 2
// (evidence) as decoded after authentication.
#include "fuzz_util.h"
#include "shared/bundle_format.h"

using namespace rectify;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Reader in(data, size);
  const uint8_t mode = in.Byte();
  std::string_view rest = in.Rest();
  if (mode & 1) {
    // No CA the fuzzer can satisfy: the envelope checks run, contents never decode.
    FUZZ_CHECK(!OpenBundle(rest, "not a CA").ok());
    return 0;
  }
  const uint8_t version = (mode & 2) ? kBundleVersion : kBundleVersionNoEvidence;
  BundleContents contents;
  if (!DecodeBundleContents(rest, version, &contents).ok()) return 0;
  if (version == kBundleVersionNoEvidence) FUZZ_CHECK(contents.evidence.empty());
  for (const BundleEvidence& e : contents.evidence) (void)VerifyBundleEvidence(e);
  return 0;
}
