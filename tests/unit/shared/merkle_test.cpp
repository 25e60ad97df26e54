#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "shared/base64.h"
#include "shared/merkle.h"
#include "shared/merkle_tree.h"

using namespace rectify;

namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The probes carry raw byte strings, some deliberately not 32 bytes long
// ("don't care", ""). Our API is typed, so map such a value to a 32-byte hash
// that no real tree produces; equal inputs stay equal, different ones differ.
Hash ProbeHash(const nlohmann::json& v) {
  std::string bytes = v.is_null() ? "" : *Base64Decode(v.get<std::string>());
  if (bytes.size() == 32) return *HashFromBytes(bytes);
  return Sha256("not-a-hash:" + bytes);
}

std::vector<Hash> ProbeProof(const nlohmann::json& v) {
  std::vector<Hash> out;
  if (v.is_null()) return out;
  for (const auto& e : v) out.push_back(ProbeHash(e));
  return out;
}

std::vector<std::filesystem::path> ProbeFiles(const std::string& kind) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(
           std::string(RECTIFY_TEST_DATA) + "/merkle/" + kind)) {
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path());
  }
  return out;
}

Hash TestLeaf(uint64_t i) { return LeafHash("leaf " + std::to_string(i)); }

struct Fixture {
  InMemoryNodeStore store;
  MerkleTree tree{store, 0};
  std::vector<Hash> leaves;
  explicit Fixture(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) {
      leaves.push_back(TestLeaf(i));
      REQUIRE(tree.Append(leaves.back()).ok());
    }
  }
  Hash RootAt(uint64_t n) { return *tree.Root(n); }
};

// Counts store reads to prove the O(log n) access pattern.
class CountingStore : public NodeStore {
 public:
  std::optional<Hash> Get(uint32_t level, uint64_t index) override {
    ++gets;
    return inner.Get(level, index);
  }
  Status Put(uint32_t level, uint64_t index, const Hash& hash) override {
    ++puts;
    return inner.Put(level, index, hash);
  }
  InMemoryNodeStore inner;
  uint64_t gets = 0;
  uint64_t puts = 0;
};

}  // namespace

TEST_CASE("merkle: leaf and node hashing follow RFC 6962") {
  CHECK(HashToHex(EmptyRoot()) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(HashToHex(LeafHash("")) ==
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  CHECK(MerkleSplit(2) == 1);
  CHECK(MerkleSplit(3) == 2);
  CHECK(MerkleSplit(4) == 2);
  CHECK(MerkleSplit(5) == 4);
  CHECK(MerkleSplit(1ull << 40) == 1ull << 39);
}

TEST_CASE("merkle: tree agrees with transparency-dev reference constants") {
  auto ref =
      nlohmann::json::parse(ReadFile(std::string(RECTIFY_TEST_DATA) + "/merkle/reference.json"));
  InMemoryNodeStore store;
  MerkleTree tree(store, 0);
  std::vector<Hash> leaves;
  CHECK(HashToHex(*tree.Root()) == ref["root_hashes_hex"][0].get<std::string>());
  size_t n = 0;
  for (const auto& hex : ref["leaf_inputs_hex"]) {
    leaves.push_back(LeafHash(*HexDecode(hex.get<std::string>())));
    REQUIRE(tree.Append(leaves.back()).ok());
    ++n;
    std::string want = ref["root_hashes_hex"][n].get<std::string>();
    CHECK(HashToHex(*tree.Root()) == want);
    CHECK(HashToHex(RootOf(leaves)) == want);
  }
  REQUIRE(n == 8);
  // Every perfect-subtree node the tree stored equals the reference node.
  const auto& levels = ref["node_hashes_hex"];
  for (uint32_t level = 0; level < levels.size(); ++level) {
    for (uint64_t i = 0; i < levels[level].size(); ++i) {
      CHECK(HashToHex(*store.Get(level, i)) == levels[level][i].get<std::string>());
    }
  }
  // Smaller roots are still available after growth.
  for (uint64_t s = 0; s <= 8; ++s) {
    CHECK(HashToHex(*tree.Root(s)) == ref["root_hashes_hex"][s].get<std::string>());
  }
}

TEST_CASE("merkle: every inclusion probe behaves as the reference says") {
  auto files = ProbeFiles("inclusion");
  REQUIRE(files.size() >= 80);
  int positives = 0, negatives = 0;
  for (const auto& f : files) {
    auto p = nlohmann::json::parse(ReadFile(f));
    // A leaf hash that is not 32 bytes cannot even be expressed as a Hash: the
    // typed API rejects it before verifying (the reference checks its length).
    std::string leaf = *Base64Decode(p["leafHash"].get<std::string>());
    Status s = leaf.size() != 32
                   ? Status::InvalidArgument("leaf hash length")
                   : VerifyInclusion(p["leafIdx"].get<uint64_t>(), p["treeSize"].get<uint64_t>(),
                                     ProbeHash(p["leafHash"]), ProbeProof(p["proof"]),
                                     ProbeHash(p["root"]));
    bool want_err = p["wantErr"].get<bool>();
    INFO(f.string());
    CHECK(s.ok() == !want_err);
    (want_err ? negatives : positives)++;
  }
  CHECK(positives > 0);
  CHECK(negatives > positives);
}

TEST_CASE("merkle: every consistency probe behaves as the reference says") {
  auto files = ProbeFiles("consistency");
  REQUIRE(files.size() >= 90);
  int positives = 0, negatives = 0;
  for (const auto& f : files) {
    auto p = nlohmann::json::parse(ReadFile(f));
    Status s =
        VerifyConsistency(p["size1"].get<uint64_t>(), p["size2"].get<uint64_t>(),
                          ProbeHash(p["root1"]), ProbeHash(p["root2"]), ProbeProof(p["proof"]));
    bool want_err = p["wantErr"].get<bool>();
    INFO(f.string());
    CHECK(s.ok() == !want_err);
    (want_err ? negatives : positives)++;
  }
  CHECK(positives > 0);
  CHECK(negatives > positives);
}

TEST_CASE("merkle: roots of every prefix up to 300 match the reference RootOf") {
  Fixture fx(300);
  for (uint64_t n = 0; n <= 300; ++n) {
    std::vector<Hash> prefix(fx.leaves.begin(), fx.leaves.begin() + n);
    REQUIRE(fx.RootAt(n) == RootOf(prefix));
  }
  CHECK(!fx.tree.Root(301).ok());
}

TEST_CASE("merkle: every inclusion proof for sizes 1..300 verifies, mutations fail") {
  Fixture fx(300);
  std::mt19937_64 rng(42);
  uint64_t checked = 0, mutated = 0;
  for (uint64_t n = 1; n <= 300; ++n) {
    Hash root = fx.RootAt(n);
    for (uint64_t i = 0; i < n; ++i) {
      auto proof = *fx.tree.InclusionProof(i, n);
      REQUIRE(VerifyInclusion(i, n, fx.leaves[i], proof, root).ok());
      ++checked;
      // Mutations on a deterministic sample keep the suite fast; small trees
      // get every index.
      if (n > 40 && rng() % 8 != 0) continue;
      for (size_t j = 0; j < proof.size(); ++j) {
        for (int bit : {0, static_cast<int>(rng() % 256)}) {
          auto bad = proof;
          bad[j][bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
          REQUIRE(!VerifyInclusion(i, n, fx.leaves[i], bad, root).ok());
          ++mutated;
        }
        auto dropped = proof;
        dropped.erase(dropped.begin() + static_cast<long>(j));
        REQUIRE(!VerifyInclusion(i, n, fx.leaves[i], dropped, root).ok());
      }
      for (size_t pos = 0; pos <= proof.size(); ++pos) {
        auto added = proof;
        added.insert(added.begin() + static_cast<long>(pos), TestLeaf(1000 + pos));
        REQUIRE(!VerifyInclusion(i, n, fx.leaves[i], added, root).ok());
      }
      uint64_t other = (i + 1 + rng() % n) % n;
      if (other != i) REQUIRE(!VerifyInclusion(other, n, fx.leaves[i], proof, root).ok());
      REQUIRE(!VerifyInclusion(i, n, fx.leaves[(i + 1) % 301], proof, root).ok());
      if (n < 300) REQUIRE(!VerifyInclusion(i, n + 1, fx.leaves[i], proof, fx.RootAt(n + 1)).ok());
      if (i < n - 1) {
        REQUIRE(!VerifyInclusion(i, n - 1, fx.leaves[i], proof, fx.RootAt(n - 1)).ok());
      }
      REQUIRE(!VerifyInclusion(i, n, fx.leaves[i], proof, fx.RootAt(n - 1)).ok());
    }
  }
  CHECK(checked == 300 * 301 / 2);
  CHECK(mutated > 10000);
  CHECK(!fx.tree.InclusionProof(5, 5).ok());
  CHECK(!fx.tree.InclusionProof(0, 301).ok());
}

TEST_CASE("merkle: every consistency proof for sizes 1..300 verifies, mutations fail") {
  Fixture fx(300);
  std::vector<Hash> roots;
  for (uint64_t n = 0; n <= 300; ++n) roots.push_back(fx.RootAt(n));
  std::mt19937_64 rng(7);
  uint64_t checked = 0, mutated = 0;
  for (uint64_t n = 1; n <= 300; ++n) {
    for (uint64_t m = 1; m <= n; ++m) {
      auto proof = *fx.tree.ConsistencyProof(m, n);
      REQUIRE(VerifyConsistency(m, n, roots[m], roots[n], proof).ok());
      ++checked;
      if (m == n) {
        CHECK(proof.empty());
        continue;
      }
      if (n > 40 && rng() % 8 != 0) continue;
      for (size_t j = 0; j < proof.size(); ++j) {
        for (int bit : {0, static_cast<int>(rng() % 256)}) {
          auto bad = proof;
          bad[j][bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
          REQUIRE(!VerifyConsistency(m, n, roots[m], roots[n], bad).ok());
          ++mutated;
        }
        auto dropped = proof;
        dropped.erase(dropped.begin() + static_cast<long>(j));
        REQUIRE(!VerifyConsistency(m, n, roots[m], roots[n], dropped).ok());
      }
      for (size_t pos = 0; pos <= proof.size(); ++pos) {
        auto added = proof;
        added.insert(added.begin() + static_cast<long>(pos), TestLeaf(2000 + pos));
        REQUIRE(!VerifyConsistency(m, n, roots[m], roots[n], added).ok());
      }
      // Other sizes, each with its own true root, must not accept this proof.
      if (m > 1) REQUIRE(!VerifyConsistency(m - 1, n, roots[m - 1], roots[n], proof).ok());
      if (m + 1 < n) REQUIRE(!VerifyConsistency(m + 1, n, roots[m + 1], roots[n], proof).ok());
      if (n < 300) REQUIRE(!VerifyConsistency(m, n + 1, roots[m], roots[n + 1], proof).ok());
      if (n - 1 > m) REQUIRE(!VerifyConsistency(m, n - 1, roots[m], roots[n - 1], proof).ok());
      // A forked history (different old root) is caught.
      REQUIRE(!VerifyConsistency(m, n, TestLeaf(999), roots[n], proof).ok());
      REQUIRE(!VerifyConsistency(n, m, roots[n], roots[m], proof).ok());
    }
  }
  CHECK(checked == 300 * 301 / 2);
  CHECK(mutated > 10000);
  CHECK(fx.tree.ConsistencyProof(0, 10)->empty());
  CHECK(!fx.tree.ConsistencyProof(11, 10).ok());
  CHECK(!fx.tree.ConsistencyProof(10, 301).ok());
}

TEST_CASE("merkle: a missing or tampered stored node is reported, not trusted") {
  Fixture fx(8);
  Hash good = fx.RootAt(8);
  fx.store.Tamper(3, 0, TestLeaf(77));
  CHECK(*fx.tree.Root(8) != good);
  InMemoryNodeStore empty;
  MerkleTree ghost(empty, 5);  // claims 5 leaves that are not stored
  Result<Hash> r = ghost.Root();
  REQUIRE(!r.ok());
  CHECK(r.status().code() == Status::Code::kCorruption);
  CHECK(ghost.InclusionProof(1, 5).status().code() == Status::Code::kCorruption);
}

TEST_CASE("merkle: a tree reopened over the same store continues identically") {
  InMemoryNodeStore store;
  std::vector<Hash> leaves;
  {
    MerkleTree t(store, 0);
    for (int i = 0; i < 13; ++i) {
      leaves.push_back(TestLeaf(i));
      REQUIRE(t.Append(leaves.back()).ok());
    }
  }
  MerkleTree t(store, 13);
  for (int i = 13; i < 29; ++i) {
    leaves.push_back(TestLeaf(i));
    REQUIRE(t.Append(leaves.back()).ok());
  }
  CHECK(*t.Root() == RootOf(leaves));
}

TEST_CASE("merkle: append and proofs touch O(log n) nodes at one million leaves") {
  CountingStore store;
  MerkleTree tree(store, 0);
  const uint64_t kN = 1'000'000;  // log2 < 20
  uint64_t max_append_gets = 0, max_append_puts = 0;
  for (uint64_t i = 0; i < kN; ++i) {
    Hash h{};
    for (int b = 0; b < 8; ++b) h[b] = static_cast<uint8_t>(i >> (8 * b));
    uint64_t g0 = store.gets, p0 = store.puts;
    REQUIRE(tree.Append(h).ok());
    max_append_gets = std::max(max_append_gets, store.gets - g0);
    max_append_puts = std::max(max_append_puts, store.puts - p0);
  }
  CHECK(max_append_gets <= 20);
  CHECK(max_append_puts <= 21);
  CHECK(store.puts < 2 * kN);

  auto gets_of = [&](auto&& fn) {
    uint64_t g0 = store.gets;
    fn();
    return store.gets - g0;
  };
  const uint64_t kBound = 4 * 20;
  CHECK(gets_of([&] { REQUIRE(tree.Root().ok()); }) <= 20);
  std::mt19937_64 rng(1);
  for (int t = 0; t < 200; ++t) {
    uint64_t n = 1 + rng() % kN;
    uint64_t i = rng() % n;
    uint64_t m = 1 + rng() % n;
    std::vector<Hash> incl, cons;
    CHECK(gets_of([&] { incl = *tree.InclusionProof(i, n); }) <= kBound);
    CHECK(gets_of([&] { cons = *tree.ConsistencyProof(m, n); }) <= kBound);
    Hash root_n = *tree.Root(n);
    Hash root_m = *tree.Root(m);
    Hash leaf = *store.inner.Get(0, i);
    CHECK(VerifyInclusion(i, n, leaf, incl, root_n).ok());
    CHECK(VerifyConsistency(m, n, root_m, root_n, cons).ok());
  }
  CHECK(gets_of([&] { (void)tree.InclusionProof(kN - 1, kN); }) <= kBound);
  CHECK(gets_of([&] { (void)tree.ConsistencyProof(kN - 1, kN); }) <= kBound);
}
