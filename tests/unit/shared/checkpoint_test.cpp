#include <doctest/doctest.h>

#include "shared/base64.h"
#include "shared/checkpoint.h"
#include "shared/checkpoint_signer.h"
#include "shared/merkle_tree.h"

using namespace rectify;

namespace {

const char kName[] = "rectify.district/school-001";

Checkpoint Example() {
  Checkpoint c;
  c.origin = kName;
  c.size = 20852163;
  c.root = *HashFromBytes(*Base64Decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="));
  return c;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t p = s.find(from);
  REQUIRE(p != std::string::npos);
  return s.replace(p, from.size(), to);
}

}  // namespace

TEST_CASE("checkpoint: body format matches C2SP tlog-checkpoint") {
  Checkpoint c = Example();
  c.origin = "example.com/behind-the-sofa";
  CHECK(CheckpointBody(c) ==
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  CHECK(*ParseCheckpointBody(CheckpointBody(c)) == c);
  c.extensions = {"ext one"};
  CHECK(*ParseCheckpointBody(CheckpointBody(c)) == c);

  const char* bad[] = {
      "",
      "o\n1\n",
      "o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
      "o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
      "o\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
      "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
      "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",
      "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx\n",
      "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
      "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",
      "o\t\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
      "o\xff\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
  };
  for (const char* b : bad) {
    INFO(b);
    CHECK(!ParseCheckpointBody(b).ok());
  }
  Checkpoint max = *ParseCheckpointBody(
      "o\n18446744073709551615\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  CHECK(max.size == UINT64_MAX);
}

TEST_CASE("checkpoint: signed note format, key hash and verifier key string") {
  SigningKey key = *SigningKey::Generate();
  VerifyingKey pub = VerifyingKey::FromSigningKey(key);
  std::string body = CheckpointBody(Example());
  std::string note = *SignNote(body, kName, key);
  // body, blank line, one signature line with the em dash.
  REQUIRE(note.rfind(body + "\n\xE2\x80\x94 " + kName + " ", 0) == 0);
  CHECK(note.back() == '\n');
  std::string line = note.substr(body.size() + 1);
  std::string blob =
      *Base64Decode(line.substr(line.rfind(' ') + 1, line.size() - line.rfind(' ') - 2));
  REQUIRE(blob.size() == 68);
  // Key hash = SHA-256(name || "\n" || 0x01 || pubkey)[0:4]
  Hash kh = Sha256(std::string(kName) + "\n" + std::string(1, '\x01') + key.PublicKeyRaw());
  CHECK(blob.substr(0, 4) == HashBytes(kh).substr(0, 4));
  CHECK(pub.Verify(body, blob.substr(4)));

  CHECK(*VerifyNote(note, kName, pub) == Example());
  CHECK(*NoteText(note) == body);

  std::string vkey = VerifierKeyString(kName, key.PublicKeyRaw());
  CHECK(vkey.rfind(std::string(kName) + "+" + HexEncode(HashBytes(kh).substr(0, 4)) + "+", 0) == 0);
  Result<VerifierKey> parsed = ParseVerifierKey(vkey);
  REQUIRE(parsed.ok());
  CHECK(parsed->name == kName);
  CHECK(parsed->key.Raw() == key.PublicKeyRaw());
  std::string wrong_hash = vkey;
  wrong_hash[std::string(kName).size() + 1] ^= 1;
  CHECK(!ParseVerifierKey(wrong_hash).ok());
  CHECK(!ParseVerifierKey("name+00000000").ok());
  CHECK(!ParseVerifierKey(Replace(vkey, kName, "other")).ok());
}

TEST_CASE("checkpoint: VerifyNote rejects wrong key, bad signature and malformed notes") {
  SigningKey key = *SigningKey::Generate();
  VerifyingKey pub = VerifyingKey::FromSigningKey(key);
  VerifyingKey stranger = VerifyingKey::FromSigningKey(*SigningKey::Generate());
  std::string body = CheckpointBody(Example());
  std::string note = *SignNote(body, kName, key);

  CHECK(!VerifyNote(note, kName, stranger).ok());
  CHECK(!VerifyNote(note, "rectify.district/other", pub).ok());
  // Edited body: same signature no longer covers it.
  CHECK(!VerifyNote(Replace(note, "20852163", "20852164"), kName, pub).ok());
  // Flipped signature byte keeps the key hash, so it is an invalid signature.
  std::string sig_b64 = note.substr(note.rfind(' ') + 1, note.size() - note.rfind(' ') - 2);
  std::string blob = *Base64Decode(sig_b64);
  blob[20] ^= 1;
  CHECK(!VerifyNote(Replace(note, sig_b64, Base64Encode(blob)), kName, pub).ok());

  const std::string malformed[] = {
      body,                                // no signature block
      note + "\n",                         // extra blank line
      note + "trailing",                   // unterminated extra line
      note + "not a signature line\n",     // extra line
      note.substr(0, note.size() - 1),     // missing final newline
      Replace(note, "\n\n", "\n"),         // missing blank line
      Replace(note, "\xE2\x80\x94", "-"),  // ASCII dash
      Replace(note, kName + std::string("\n"), kName + std::string("\nextra\n\n")),
      Replace(note, "20852163\n", ""),  // missing size line
      "\n\n",
      "",
  };
  for (const std::string& m : malformed) {
    INFO(m);
    CHECK(!VerifyNote(m, kName, pub).ok());
  }

  // A cosignature by another key (a witness) is ignored, not an error.
  std::string witness = *SignNote(body, "witness.example", *SigningKey::Generate());
  std::string cosigned = note + witness.substr(body.size() + 1);
  CHECK(VerifyNote(cosigned, kName, pub).ok());
  CHECK(!VerifyNote(witness, kName, pub).ok());

  CHECK(!SignNote(body, "bad name", key).ok());
  CHECK(!SignNote(body, "bad+name", key).ok());
  CHECK(!SignNote("no newline", kName, key).ok());
  CHECK(!SignNote("a\n\nb\n", kName, key).ok());
}

TEST_CASE("checkpoint signer: never signs two inconsistent checkpoints") {
  SigningKey key = *SigningKey::Generate();
  VerifyingKey pub = VerifyingKey::FromSigningKey(key);
  InMemoryNodeStore store;
  MerkleTree tree(store, 0);
  for (int i = 0; i < 10; ++i) REQUIRE(tree.Append(LeafHash("op " + std::to_string(i))).ok());
  auto cp = [&](uint64_t n) { return Checkpoint{kName, n, *tree.Root(n), {}}; };

  CheckpointSigner signer(key, kName, std::nullopt);
  CHECK(!signer.Sign(Checkpoint{kName, 0, Hash{}, {}}, {}).ok());  // size 0 needs the empty root
  REQUIRE(signer.Sign(cp(0), {}).ok());
  Result<std::string> n4 = signer.Sign(cp(4), {});
  REQUIRE(n4.ok());
  CHECK(*VerifyNote(*n4, kName, pub) == cp(4));

  // Growth with a valid proof is fine; the signer remembers the new head.
  REQUIRE(signer.Sign(cp(7), *tree.ConsistencyProof(4, 7)).ok());
  CHECK(signer.last()->size == 7);
  // Re-signing the same head needs no proof.
  CHECK(signer.Sign(cp(7), {}).ok());

  // A forked history: leaf 2 rewritten, then grown to 9 leaves.
  InMemoryNodeStore fork_store;
  MerkleTree fork(fork_store, 0);
  for (int i = 0; i < 9; ++i) {
    REQUIRE(fork.Append(LeafHash(i == 2 ? "rewritten" : "op " + std::to_string(i))).ok());
  }
  Checkpoint forked{kName, 9, *fork.Root(9), {}};
  auto st = signer.Sign(forked, *fork.ConsistencyProof(7, 9));
  REQUIRE(!st.ok());
  CHECK(st.status().code() == Status::Code::kFailedPrecondition);
  CHECK(!signer.Sign(forked, *tree.ConsistencyProof(7, 9)).ok());
  CHECK(signer.last()->size == 7);

  // Shrinking, changing the origin, a wrong or missing proof: all refused.
  CHECK(signer.Sign(cp(5), {}).status().code() == Status::Code::kFailedPrecondition);
  Checkpoint other_origin = cp(9);
  other_origin.origin = "rectify.district/school-002";
  CHECK(!signer.Sign(other_origin, *tree.ConsistencyProof(7, 9)).ok());
  CHECK(!signer.Sign(cp(9), {}).ok());
  CHECK(!signer.Sign(cp(9), *tree.ConsistencyProof(6, 9)).ok());
  Checkpoint same_size_other_root = cp(7);
  same_size_other_root.root = *tree.Root(8);
  CHECK(!signer.Sign(same_size_other_root, {}).ok());
  CHECK(signer.last()->size == 7);

  // A restarted signer given the persisted head keeps refusing.
  CheckpointSigner restarted(key, kName, signer.last());
  CHECK(!restarted.Sign(forked, *fork.ConsistencyProof(7, 9)).ok());
  CHECK(restarted.Sign(cp(10), *tree.ConsistencyProof(7, 10)).ok());

  // An origin that would frame a different checkpoint is never signed.
  CheckpointSigner fresh(key, kName, std::nullopt);
  Checkpoint evil = cp(3);
  evil.origin = "evil\n999";
  CHECK(!fresh.Sign(evil, {}).ok());
  CHECK(!fresh.last().has_value());
}
