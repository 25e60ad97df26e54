// Writes the seed corpora of the fuzz harnesses, made by the project's own
// encoders (docs/security.md, "Fuzzing"): make_corpus <dir> creates
// <dir>/<harness>/seed-N for every harness in tests/fuzz/.
#include <unistd.h>
#include <xlsxwriter.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "protocol/codec.h"
#include "shared/audit_leaf.h"
#include "shared/bundle_format.h"
#include "shared/checkpoint.h"
#include "shared/ed25519.h"
#include "shared/merkle.h"
#include "shared/op.h"

using namespace rectify;
using namespace rectify::protocol;
namespace fs = std::filesystem;

namespace {

void Write(const fs::path& dir, const std::string& harness, const std::string& bytes) {
  fs::create_directories(dir / harness);
  size_t n = 0;
  while (fs::exists(dir / harness / ("seed-" + std::to_string(n)))) ++n;
  std::ofstream(dir / harness / ("seed-" + std::to_string(n)), std::ios::binary) << bytes;
}

Op SampleOp(int i) {
  Op op;
  op.device_id = "dev-" + std::to_string(i);
  op.device_seq = static_cast<uint64_t>(i) + 1;
  op.school_id = "s1";
  op.entity = "problem";
  op.row_id = "0b6f1f3e-1d2c-4c2e-9a8b-" + std::to_string(100000000000 + i);
  op.fields = {{"status", Value(std::string("整改中")), {}},
               {"due", Value(int64_t{20260401}), {}},
               {"note", Value(std::monostate{}), {}}};
  op.author = "张老师";
  op.schema_version = 1;
  return op;
}

// A ledger as a clerk saves it from Excel: a merged title row, the header,
// two rows with a shared string, a number, a serial date in a Chinese format
// and a formula with its cached value.
std::string ClerkXlsx() {
  const fs::path path = fs::temp_directory_path() /
                        ("rectify-corpus-" + std::to_string(::getpid()) + ".xlsx");
  lxw_workbook* wb = workbook_new(path.c_str());
  lxw_worksheet* ws = workbook_add_worksheet(wb, "台账");
  lxw_format* date = workbook_add_format(wb);
  format_set_num_format(date, "yyyy\"年\"m\"月\"d\"日\"");
  worksheet_merge_range(ws, 0, 0, 0, 11, "某某学校巡察整改台账", nullptr);
  const char* header[] = {"序号", "方面", "类别", "问题", "问题详情", "整改措施",
                          "责任部门", "责任人", "整改时限", "整改类型", "整改状态", "整改结果"};
  for (int c = 0; c < 12; ++c) worksheet_write_string(ws, 1, static_cast<lxw_col_t>(c), header[c], nullptr);
  for (int r = 2; r < 4; ++r) {
    worksheet_write_formula_num(ws, static_cast<lxw_row_t>(r), 0, "=ROW()-2", nullptr, r - 1);
    worksheet_write_string(ws, static_cast<lxw_row_t>(r), 1, "党的建设", nullptr);
    worksheet_write_string(ws, static_cast<lxw_row_t>(r), 3, "消防通道堵塞", nullptr);
    worksheet_write_string(ws, static_cast<lxw_row_t>(r), 5, "清理通道；张贴标识", nullptr);
    worksheet_write_number(ws, static_cast<lxw_row_t>(r), 8, 46113 + r, date);
    worksheet_write_string(ws, static_cast<lxw_row_t>(r), 9, "限期整改", nullptr);
    worksheet_write_string(ws, static_cast<lxw_row_t>(r), 10, "推进中", nullptr);
  }
  if (workbook_close(wb) != LXW_NO_ERROR) return {};
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  fs::remove(path);
  return bytes;
}

std::string Byte(uint8_t b) { return std::string(1, static_cast<char>(b)); }

template <class M>
void Message(const fs::path& dir, MsgType type, const M& m) {
  const std::string body = EncodeBody(m);
  Write(dir, "fuzz_message", Byte(static_cast<uint8_t>(type) - 1) + Byte(0) + body);
  Write(dir, "fuzz_message", Byte(static_cast<uint8_t>(type) - 1) + Byte(1) + CompressBody(body));
  Write(dir, "fuzz_frame", Byte(0x10) + Byte(7) + EncodeMessage(type, m));
  Write(dir, "fuzz_server_session", Byte(50) + EncodeMessage(type, m));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_corpus <dir>\n";
    return 2;
  }
  const fs::path dir = argv[1];
  PushBatch push{"b-1", {SampleOp(1), SampleOp(2)}};
  Message(dir, MsgType::kPushBatch, push);
  Message(dir, MsgType::kPullRequest, PullRequest{0, 100, 0});
  PullResponse pull;
  pull.ops = {ServerOp{1, SampleOp(3)}};
  pull.checkpoint = "rectify.district/s1\n1\nAAAA\n";
  pull.consistency_proof = {std::string(32, 'h')};
  Message(dir, MsgType::kPullResponse, pull);
  Message(dir, MsgType::kBye, Bye{"done"});
  Message(dir, MsgType::kError, ErrorMsg{3, "bad"});
  Hello hello;
  hello.client_name = "rectify/0.1.0";
  Message(dir, MsgType::kHello, hello);
  Message(dir, MsgType::kAuditQuery, AuditQuery{});
  Message(dir, MsgType::kProofRequest, ProofRequest{});
  Message(dir, MsgType::kEvidenceQuery, EvidenceQuery{{std::string(64, 'a')}});
  ChunkPut put;
  put.sha256 = std::string(64, 'a');
  put.total_size = 5;
  put.bytes = "hello";
  Message(dir, MsgType::kChunkPut, put);
  Message(dir, MsgType::kChunkGet, ChunkGet{});

  for (int i = 0; i < 3; ++i) Write(dir, "fuzz_op", EncodeOp(SampleOp(i)));

  AuditLeaf leaf;
  leaf.school_id = "s1";
  leaf.device_id = "dev-1";
  leaf.role = "school";
  leaf.author = "张老师";
  leaf.peer = "127.0.0.1:5000";
  leaf.batch_id = "b-1";
  leaf.device_seq = 1;
  leaf.outcome = "applied";
  leaf.rule = "lww-field";
  leaf.op_bytes = EncodeOp(SampleOp(1));
  if (auto enc = EncodeAuditLeaf(leaf); enc.ok()) Write(dir, "fuzz_audit_leaf", *enc);

  Checkpoint cp;
  cp.origin = "rectify.district/s1";
  cp.size = 3;
  cp.root = LeafHash("x");
  const std::string body = CheckpointBody(cp);
  Write(dir, "fuzz_note", Byte(1) + body);
  Write(dir, "fuzz_note", Byte(2) + body);
  if (auto key = SigningKey::Generate(); key.ok()) {
    if (auto note = SignNote(body, "rectify.district", *key); note.ok())
      Write(dir, "fuzz_note", Byte(0) + *note);
  }

  // A consistency proof and an inclusion proof of a 5-leaf tree.
  std::string proof = Byte(0) + Byte(2) + Byte(5);
  proof += std::string(64, '\x11');
  for (int i = 0; i < 3; ++i) proof += std::string(32, static_cast<char>('a' + i));
  Write(dir, "fuzz_proof", proof);
  Write(dir, "fuzz_proof", Byte(8) + proof.substr(1));

  // Bundle contents without evidence (version 1) and with (version 2), and
  // an envelope for the header checks.
  BundleContents contents;
  contents.school_id = "s1";
  contents.device_id = "dev-1";
  contents.body = EncodeBody(push);
  contents.rejections = {{"dev-1", 3, "只有审核员可以核验"}};
  Write(dir, "fuzz_bundle", Byte(0) + EncodeBundleContents(contents));
  contents.evidence = {MakeBundleEvidence("scan"), MakeBundleEvidence(std::string(3000, 'p'))};
  Write(dir, "fuzz_bundle", Byte(2) + EncodeBundleContents(contents));
  Write(dir, "fuzz_bundle",
        Byte(1) + std::string(kBundleMagic) + Byte(1) + Byte(1) + std::string("\0\0\0\x04", 4) +
            "abcd");

  Write(dir, "fuzz_csv",
        "学校,问题描述,整改措施,整改期限\n一中,消防通道堵塞,清理通道；张贴标识,2026-04-01\n");
  Write(dir, "fuzz_csv", std::string("\xef\xbb\xbf") + "a,b\n\"x\"\"y\",2\n");
  Write(dir, "fuzz_encoding", "纯文本 UTF-8");
  Write(dir, "fuzz_encoding", std::string("\xd1\xa7\xd0\xa3", 4));  // GB18030 "学校"
  const std::string xlsx = ClerkXlsx();
  if (xlsx.empty()) {
    std::cerr << "make_corpus: libxlsxwriter could not write the .xlsx seed\n";
    return 1;
  }
  Write(dir, "fuzz_xlsx", xlsx);
  return 0;
}
