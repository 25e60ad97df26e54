#include "shared/audit_export_verify.h"

#include <algorithm>

#include "shared/audit_leaf.h"
#include "shared/merkle_tree.h"

namespace rectify {
namespace {

Status LeafError(size_t i, const std::string& what) {
  return Status::Corruption("leaf " + std::to_string(i) + ": " + what);
}

// Decodes every leaf and checks what can be checked leaf by leaf, so the
// first bad leaf is named precisely before any root comparison.
Status CheckLeaves(const std::vector<std::string>& leaves) {
  std::string school;
  for (size_t i = 0; i < leaves.size(); ++i) {
    Result<AuditLeaf> leaf = DecodeAuditLeaf(leaves[i]);
    if (!leaf.ok()) return LeafError(i, leaf.status().message());
    if (leaf->index != i) {
      return LeafError(i, "carries index " + std::to_string(leaf->index) +
                              " (a leaf was removed, inserted or reordered)");
    }
    if (i == 0) school = leaf->school_id;
    if (leaf->school_id != school) return LeafError(i, "belongs to another school's log");
  }
  return Status::OK();
}

Result<std::vector<Checkpoint>> VerifyEarlier(const std::vector<std::string>& notes,
                                              const std::string& key_name, const VerifyingKey& key,
                                              const Checkpoint& head) {
  std::vector<Checkpoint> out;
  for (size_t i = 0; i < notes.size(); ++i) {
    Result<Checkpoint> c = VerifyNote(notes[i], key_name, key);
    if (!c.ok()) {
      return c.status().Annotate("earlier checkpoint #" + std::to_string(i));
    }
    if (c->origin != head.origin) {
      return Status::Corruption("earlier checkpoint #" + std::to_string(i) + ": other origin");
    }
    if (c->size > head.size) {
      return Status::Corruption("a signed checkpoint of size " + std::to_string(c->size) +
                                " exceeds the export: leaves were removed");
    }
    out.push_back(*c);
  }
  std::sort(out.begin(), out.end(),
            [](const Checkpoint& a, const Checkpoint& b) { return a.size < b.size; });
  return out;
}

}  // namespace

Result<std::vector<std::string>> SplitLeavesJsonl(std::string_view contents) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < contents.size()) {
    size_t end = contents.find('\n', start);
    if (end == std::string_view::npos) {
      return Status::Corruption("leaves.jsonl: last line has no newline");
    }
    if (end == start) {
      return Status::Corruption("leaves.jsonl: empty line " + std::to_string(out.size()));
    }
    out.emplace_back(contents.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string JoinLeavesJsonl(const std::vector<std::string>& leaf_encodings) {
  std::string out;
  for (const std::string& l : leaf_encodings) out += l + "\n";
  return out;
}

Status VerifyExport(const std::vector<std::string>& leaf_encodings,
                    const std::string& checkpoint_note, const std::string& key_name,
                    const VerifyingKey& key,
                    const std::vector<std::string>& earlier_checkpoint_notes,
                    Checkpoint* verified) {
  Result<Checkpoint> head = VerifyNote(checkpoint_note, key_name, key);
  if (!head.ok()) return head.status().Annotate("checkpoint");
  Result<std::vector<Checkpoint>> earlier =
      VerifyEarlier(earlier_checkpoint_notes, key_name, key, *head);
  if (!earlier.ok()) return earlier.status();
  RECTIFY_RETURN_IF_ERROR(CheckLeaves(leaf_encodings));
  if (leaf_encodings.size() != head->size) {
    return Status::Corruption("export has " + std::to_string(leaf_encodings.size()) +
                              " leaves but the signed checkpoint commits to " +
                              std::to_string(head->size));
  }

  InMemoryNodeStore store;
  MerkleTree tree(store, 0);
  for (const std::string& l : leaf_encodings) RECTIFY_RETURN_IF_ERROR(tree.Append(LeafHash(l)));
  earlier->push_back(*head);
  uint64_t good = 0;  // the longest prefix a signed checkpoint vouches for
  for (const Checkpoint& c : *earlier) {
    Result<Hash> root = tree.Root(c.size);
    if (!root.ok()) return root.status();
    if (*root != c.root && c.size == 0) {
      return Status::Corruption("a signed checkpoint of size 0 has a non-empty root");
    }
    if (*root != c.root) {
      return Status::Corruption(
          "leaves " + std::to_string(good) + ".." + std::to_string(c.size - 1) +
          " do not match the signed checkpoint of size " + std::to_string(c.size) +
          ": one of them was altered (the first " + std::to_string(good) + " check out)");
    }
    good = c.size;
  }
  if (verified != nullptr) *verified = *head;
  return Status::OK();
}

}  // namespace rectify
