// The audit log: Merkle appends over the in-memory node store and over the
// server's SQLite node store (one transaction per 1,000 appends), checkpoint
// signing per batch of 1,000, and inclusion / consistency proofs at 1,000,000
// leaves (generation and verification).
#include <random>

#include "bench/bench_util.h"
#include "server/storage/sqlite_node_store.h"
#include "server/storage/sqlite_store.h"
#include "shared/checkpoint.h"
#include "shared/checkpoint_signer.h"
#include "shared/merkle.h"
#include "shared/merkle_node_store.h"
#include "shared/merkle_tree.h"

using namespace rectify;
using namespace rectify::bench;

namespace {

constexpr uint64_t kLeaves = 1'000'000;

Hash Leaf(uint64_t i) { return LeafHash("leaf " + std::to_string(i)); }

// Builds the 1M-leaf tree, signing a checkpoint after every 1,000 appends.
void InMemory(InMemoryNodeStore& store, MerkleTree& tree) {
  CheckpointSigner signer(Must(SigningKey::Generate(), "key"), "district.example/rectify",
                          std::nullopt);
  double append_s = 0, prove_s = 0, sign_s = 0;
  uint64_t signs = 0;
  while (tree.size() < kLeaves) {
    double t0 = NowSec();
    for (int i = 0; i < 1000; ++i) Must(tree.Append(Leaf(tree.size())), "append");
    double t1 = NowSec();
    Checkpoint cp;
    cp.origin = "district.example/rectify/school-0042";
    cp.size = tree.size();
    cp.root = Must(tree.Root(), "root");
    const uint64_t last = signer.last() ? signer.last()->size : 0;
    auto proof = Must(tree.ConsistencyProof(last, cp.size), "consistency");
    double t2 = NowSec();
    Must(signer.Sign(cp, proof), "sign");
    double t3 = NowSec();
    append_s += t1 - t0;
    prove_s += t2 - t1;
    sign_s += t3 - t2;
    ++signs;
  }
  (void)store;
  Emit({{"bench", "merkle_append_memory"},
        {"n", kLeaves},
        {"appends_per_s", std::round(kLeaves / append_s)}});
  Emit({{"bench", "checkpoint_sign"},
        {"batches", signs},
        {"batch", 1000},
        {"us_per_sign", std::round(sign_s / signs * 1e7) / 10},
        {"us_root_and_consistency_proof", std::round(prove_s / signs * 1e7) / 10},
        {"note", "Sign() verifies the consistency proof from the last checkpoint"}});
}

// One proof figure: mean generation and verification time per proof (µs),
// against the 1 ms target for both together.
void EmitProofFigure(const char* name, uint64_t leaves, int samples, size_t proof_hashes,
                     double gen_s, double ver_s) {
  Emit({{"bench", name},
        {"leaves", leaves},
        {"samples", samples},
        {"proof_hashes", proof_hashes},
        {"us_generate", std::round(gen_s / samples * 1e7) / 10},
        {"us_verify", std::round(ver_s / samples * 1e7) / 10},
        {"target_us", 1000},
        {"met", (gen_s + ver_s) / samples < 1e-3}});
}

void Proofs(MerkleTree& tree, uint64_t leaves, int samples, const std::string& suffix = "") {
  std::mt19937_64 rng(42);
  const Hash root = Must(tree.Root(), "root");
  double gen = 0, ver = 0;
  size_t len = 0;
  for (int i = 0; i < samples; ++i) {
    const uint64_t idx = rng() % leaves;
    const Hash leaf = Leaf(idx);
    double t0 = NowSec();
    auto proof = Must(tree.InclusionProof(idx, leaves), "inclusion");
    double t1 = NowSec();
    Must(VerifyInclusion(idx, leaves, leaf, proof, root), "verify inclusion");
    ver += NowSec() - t1;
    gen += t1 - t0;
    len = proof.size();
  }
  EmitProofFigure(("inclusion_proof_1m" + suffix).c_str(), leaves, samples, len, gen, ver);
  gen = ver = 0;
  for (int i = 0; i < samples; ++i) {
    const uint64_t m = 1 + rng() % (leaves - 1);
    const Hash old_root = Must(tree.Root(m), "root m");
    double t0 = NowSec();
    auto proof = Must(tree.ConsistencyProof(m, leaves), "consistency");
    double t1 = NowSec();
    Must(VerifyConsistency(m, leaves, old_root, root, proof), "verify consistency");
    ver += NowSec() - t1;
    gen += t1 - t0;
    len = proof.size();
  }
  EmitProofFigure(("consistency_proof_1m" + suffix).c_str(), leaves, samples, len, gen, ver);
}

// Appends leaves [size, n) as the audit log does: the leaf row (which
// carries its hash, the level-0 node) and then the tree's upper nodes, one
// txn per 1,000. Leaf i is "leaf i", padded with '.' to `pad_to` bytes.
void AppendOverSqlite(SqliteStore& store, uint64_t n, size_t pad_to) {
  uint64_t size = 0;
  while (size < n) {
    auto txn = Must(store.Begin("school-0042"), "begin");
    SqliteNodeStore nodes(*txn);
    MerkleTree tree(nodes, size);
    for (int i = 0; i < 1000 && tree.size() < n; ++i) {
      std::string bytes = "leaf " + std::to_string(tree.size());
      if (bytes.size() < pad_to) bytes.resize(pad_to, '.');
      const Hash h = LeafHash(bytes);
      Must(txn->AppendLeaf(bytes, h).status(), "leaf");
      Must(tree.Append(h), "append");
    }
    Must(txn->Commit(), "commit");
    size = tree.size();
  }
}

void OverSqlite(uint64_t n, double limit) {
  TempDir dir;
  auto store = Must(SqliteStore::Open(dir.path()), "store");
  constexpr size_t kLeafBytes = 600;  // a typical encoded audit leaf
  const double t0 = NowSec();
  AppendOverSqlite(*store, n, kLeafBytes);
  const double rate = n / (NowSec() - t0);
  Emit({{"bench", "merkle_append_sqlite"},
        {"n", n},
        {"txn_batch", 1000},
        {"leaf_bytes", kLeafBytes},
        {"appends_per_s", std::round(rate)},
        {"ratio_to_limit", Ratio(rate, limit)}});
}

// The proofs the server serves: from its SQLite store, where levels 1-3 are
// folded from leaf hashes on demand (docs/audit-log.md).
void ProofsOverSqlite(uint64_t leaves, int samples) {
  TempDir dir;
  auto store = Must(SqliteStore::Open(dir.path()), "store");
  AppendOverSqlite(*store, leaves, 0);
  auto txn = Must(store->BeginRead("school-0042"), "read");
  SqliteNodeStore nodes(*txn);
  MerkleTree tree(nodes, leaves);
  Proofs(tree, leaves, samples, "_sqlite");
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv);
  const double limit = LimitOrMeasure(a);
  OverSqlite(a.quick ? 20'000 : 200'000, limit);
  InMemoryNodeStore store;
  MerkleTree tree(store, 0);
  InMemory(store, tree);
  Proofs(tree, kLeaves, a.quick ? 1'000 : 10'000);
  ProofsOverSqlite(kLeaves, a.quick ? 1'000 : 10'000);
  return 0;
}
