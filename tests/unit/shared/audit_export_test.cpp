#include <doctest/doctest.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "shared/audit_export_verify.h"
#include "shared/audit_leaf.h"
#include "shared/checkpoint_signer.h"
#include "shared/merkle_tree.h"

using namespace rectify;

namespace {

const std::string kKeyName = "rectify.district/school-001";

AuditLeaf MakeLeaf(uint64_t i, const std::string& school = "school-001") {
  AuditLeaf l;
  l.index = i;
  l.school_id = school;
  l.device_id = "dev-" + std::to_string(i % 3);
  l.role = i % 5 == 0 ? "auditor" : "clerk";
  l.author = "李明";
  l.peer = "192.0.2.1:4000";
  l.batch_id = "batch-" + std::to_string(i / 10);
  l.device_seq = i + 1;
  l.device_hlc = 1000 + i;
  l.server_time_ms = 1700000000000 + i;
  l.outcome = i % 7 == 0 ? "superseded" : "applied";
  l.rule = "lww-field";
  l.op_bytes = std::string("\x00\x01op-", 5) + std::to_string(i);
  return l;
}

// A log of n leaves with signed checkpoints at the given sizes (last = head).
struct Export {
  SigningKey key = *SigningKey::Generate();
  VerifyingKey pub = VerifyingKey::FromSigningKey(key);
  std::vector<std::string> leaves;
  std::vector<std::string> notes;  // one per checkpoint size, in order

  Export(uint64_t n, const std::vector<uint64_t>& sizes) {
    InMemoryNodeStore store;
    MerkleTree tree(store, 0);
    CheckpointSigner signer(key, kKeyName, std::nullopt);
    size_t next = 0;
    uint64_t last = 0;
    for (uint64_t i = 0; i <= n; ++i) {
      while (next < sizes.size() && sizes[next] == i) {
        Checkpoint c{kKeyName, i, *tree.Root(), {}};
        auto proof = last == 0 ? std::vector<Hash>{} : *tree.ConsistencyProof(last, i);
        notes.push_back(*signer.Sign(c, proof));
        last = i;
        ++next;
      }
      if (i == n) break;
      leaves.push_back(*EncodeAuditLeaf(MakeLeaf(i)));
      REQUIRE(tree.Append(LeafHash(leaves.back())).ok());
    }
  }
  std::vector<std::string> Earlier() const { return {notes.begin(), notes.end() - 1}; }
  Status Verify(const std::vector<std::string>& ls, bool with_earlier = true) const {
    return VerifyExport(ls, notes.back(), kKeyName, pub,
                        with_earlier ? Earlier() : std::vector<std::string>{});
  }
};

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::filesystem::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
  REQUIRE(out.good());
}

}  // namespace

TEST_CASE("audit export: an untouched export verifies") {
  Export ex(50, {10, 20, 35, 50});
  Checkpoint head;
  REQUIRE(VerifyExport(ex.leaves, ex.notes.back(), kKeyName, ex.pub, ex.Earlier(), &head).ok());
  CHECK(head.size == 50);
  CHECK(ex.Verify(ex.leaves, false).ok());
  Export empty(0, {0});
  CHECK(empty.Verify({}).ok());
}

TEST_CASE("audit export: an edited leaf is located by the signed checkpoints") {
  Export ex(50, {10, 20, 35, 50});
  auto leaves = ex.leaves;
  AuditLeaf l = *DecodeAuditLeaf(leaves[23]);
  l.outcome = "rejected";  // rewrite history, canonically re-encoded
  leaves[23] = *EncodeAuditLeaf(l);
  Status s = ex.Verify(leaves);
  REQUIRE(!s.ok());
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("leaves 20..34") != std::string::npos);
  Status whole = ex.Verify(leaves, false);
  REQUIRE(!whole.ok());
  CHECK(whole.message().find("leaves 0..49") != std::string::npos);

  leaves = ex.leaves;
  l = *DecodeAuditLeaf(leaves[3]);
  l.author = "王五";
  leaves[3] = *EncodeAuditLeaf(l);
  CHECK(ex.Verify(leaves).message().find("leaves 0..9") != std::string::npos);
}

TEST_CASE("audit export: removed, reordered, added, foreign or garbage leaves are named") {
  Export ex(30, {30});
  auto removed = ex.leaves;
  removed.erase(removed.begin() + 5);
  CHECK(ex.Verify(removed).message().find("leaf 5: carries index 6") != std::string::npos);

  auto swapped = ex.leaves;
  std::swap(swapped[3], swapped[4]);
  CHECK(ex.Verify(swapped).message().find("leaf 3: carries index 4") != std::string::npos);

  auto truncated = ex.leaves;
  truncated.pop_back();
  CHECK(ex.Verify(truncated).message().find("29 leaves") != std::string::npos);

  auto added = ex.leaves;
  added.push_back(*EncodeAuditLeaf(MakeLeaf(30)));
  CHECK(ex.Verify(added).message().find("31 leaves") != std::string::npos);

  auto garbage = ex.leaves;
  garbage[7] = "{\"index\":7}";
  CHECK(ex.Verify(garbage).message().find("leaf 7:") == 0);

  auto respelled = ex.leaves;
  respelled[8].insert(1, " ");
  CHECK(ex.Verify(respelled).message().find("leaf 8:") == 0);

  auto foreign = ex.leaves;
  foreign[9] = *EncodeAuditLeaf(MakeLeaf(9, "school-002"));
  CHECK(ex.Verify(foreign).message().find("leaf 9: belongs to another school") == 0);
}

TEST_CASE("audit export: the checkpoint itself must be authentic") {
  Export ex(12, {5, 12});
  VerifyingKey stranger = VerifyingKey::FromSigningKey(*SigningKey::Generate());
  CHECK(!VerifyExport(ex.leaves, ex.notes.back(), kKeyName, stranger).ok());
  CHECK(!VerifyExport(ex.leaves, ex.notes.back(), "rectify.district/other", ex.pub).ok());
  std::string forged = ex.notes.back();
  forged.replace(forged.find("\n12\n"), 4, "\n11\n");
  auto shorter = ex.leaves;
  shorter.pop_back();
  CHECK(!VerifyExport(shorter, forged, kKeyName, ex.pub).ok());
  // A signed checkpoint larger than the export proves leaves were cut off:
  // present the first 5 leaves with the head of 5, plus the signed head of 12.
  Status cut = VerifyExport({ex.leaves.begin(), ex.leaves.begin() + 5}, ex.notes[0], kKeyName,
                            ex.pub, {ex.notes[1]});
  CHECK(cut.message().find("exceeds the export") != std::string::npos);
}

TEST_CASE("audit export: leaves.jsonl framing") {
  CHECK(SplitLeavesJsonl("")->empty());
  CHECK(*SplitLeavesJsonl("a\nb\n") == std::vector<std::string>{"a", "b"});
  CHECK(!SplitLeavesJsonl("a\nb").ok());
  CHECK(!SplitLeavesJsonl("a\n\nb\n").ok());
  CHECK(!SplitLeavesJsonl("\n").ok());
  CHECK(JoinLeavesJsonl({"a", "b"}) == "a\nb\n");
}

// Writes an export in the documented layout and verifies it from the files.
// Set RECTIFY_KEEP_EXPORT=<dir> to keep it there (used to run the outsider
// recipe of docs/audit-log.md by hand).
TEST_CASE("audit export: the on-disk layout round-trips") {
  Export ex(37, {8, 21, 37});
  const char* keep = std::getenv("RECTIFY_KEEP_EXPORT");
  std::filesystem::path dir = keep != nullptr ? std::filesystem::path(keep)
                                              : std::filesystem::temp_directory_path() /
                                                    ("rectify-export-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "checkpoints");
  WriteFile(dir / "leaves.jsonl", JoinLeavesJsonl(ex.leaves));
  WriteFile(dir / "checkpoint", ex.notes.back());
  WriteFile(dir / "log.pub", VerifierKeyString(kKeyName, ex.pub.Raw()) + "\n" + ex.pub.ToPem());
  for (size_t i = 0; i + 1 < ex.notes.size(); ++i) {
    Checkpoint c = *VerifyNote(ex.notes[i], kKeyName, ex.pub);
    WriteFile(dir / "checkpoints" / (std::to_string(c.size) + ".note"), ex.notes[i]);
  }

  std::string pub_file = ReadFile(dir / "log.pub");
  size_t nl = pub_file.find('\n');
  Result<VerifierKey> vkey = ParseVerifierKey(pub_file.substr(0, nl));
  REQUIRE(vkey.ok());
  Result<VerifyingKey> pem_key = VerifyingKey::FromPem(pub_file.substr(nl + 1));
  REQUIRE(pem_key.ok());
  CHECK(pem_key->Raw() == vkey->key.Raw());
  std::vector<std::string> earlier;
  for (const auto& e : std::filesystem::directory_iterator(dir / "checkpoints")) {
    earlier.push_back(ReadFile(e.path()));
  }
  CHECK(earlier.size() == 2);
  Result<std::vector<std::string>> leaves = SplitLeavesJsonl(ReadFile(dir / "leaves.jsonl"));
  REQUIRE(leaves.ok());
  CHECK(VerifyExport(*leaves, ReadFile(dir / "checkpoint"), vkey->name, vkey->key, earlier).ok());
  if (keep == nullptr) std::filesystem::remove_all(dir);
}
