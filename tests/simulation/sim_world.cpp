#include "sim_world.h"

#include <filesystem>

#include "protocol/codec.h"
#include "server/storage/pg_store.h"
#include "server/storage/sqlite_store.h"
#include "shared/checkpoint.h"
#include "shared/fault_vfs.h"
#include "shared/log_names.h"
#include "shared/schema.h"

namespace rectify::sim {

namespace {

constexpr int64_t kYearMs = 365LL * 24 * 3600 * 1000;

std::string Pick(std::mt19937_64& rng, const std::vector<std::string>& v) {
  return v[rng() % v.size()];
}

bool Chance(std::mt19937_64& rng, double p) {
  return std::uniform_real_distribution<double>(0, 1)(rng) < p;
}

// Splits a byte stream into whole frames (the link works on bytes; the
// recorder keeps frames so they can be replayed later).
std::vector<std::string> SplitFrames(const std::string& bytes) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (bytes.size() - pos >= protocol::kFrameHeaderSize) {
    const auto* h = reinterpret_cast<const unsigned char*>(bytes.data() + pos);
    size_t n = (size_t{h[0]} << 24) | (size_t{h[1]} << 16) | (size_t{h[2]} << 8) | h[3];
    if (bytes.size() - pos < protocol::kFrameHeaderSize + n) break;
    out.push_back(bytes.substr(pos, protocol::kFrameHeaderSize + n));
    pos += protocol::kFrameHeaderSize + n;
  }
  return out;
}

}  // namespace

World::World(uint64_t seed, std::string dir, int schools, int devices_per_school, ServerSide side)
    : rng_(seed), dir_(std::move(dir)), clock_(1'700'000'000'000), side_(std::move(side)) {
  std::filesystem::create_directories(dir_);
  (void)FaultVfs::Install();  // before any database opens; idle until a fault is armed
  log_key_ = std::make_unique<SigningKey>(SigningKey::Generate().value());
  const size_t n = side_.pg_uri.empty() ? 1 : static_cast<size_t>(std::max(1, side_.servers));
  stores_.resize(n);
  services_.resize(n);
  for (size_t i = 0; i < n; ++i) OpenServer(i);
  for (int s = 0; s < schools; ++s) {
    std::string school = "school" + std::to_string(s);
    schools_.push_back(school);
    for (int d = 0; d < devices_per_school; ++d) {
      // Some PCs have clocks off by up to a year, both ways.
      int64_t skew = 0;
      if (Chance(rng_, 0.3)) skew = static_cast<int64_t>(rng_() % (2 * kYearMs)) - kYearMs;
      Device& dev = AddDevice(school, "school", school + "-d" + std::to_string(d), skew);
      if (d == 0) {
        (void)dev.ledger->InitSchool(school, "学校" + std::to_string(s), "", "clerk" + dev.name);
        (void)dev.ledger->AddInspection({{"group_name", std::string("区委第一巡察组")}}, "clerk");
      }
    }
    Device& aud = AddDevice(school, "auditor", school + "-auditor", 0);
    (void)aud.ledger->SetIdentity(school, "auditor");
    AddDevice(school, "attacker", school + "-attacker", 0);
  }
}

World::~World() {
  devices_.clear();
  services_.clear();
  stores_.clear();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void World::OpenServer(size_t i) {
  services_[i].reset();
  stores_[i].reset();
  if (side_.pg_uri.empty())
    stores_[i] = SqliteStore::Open(dir_).value();
  else
    stores_[i] = PgStore::Open(side_.pg_uri).value();
  SyncServiceOptions opts;
  services_[i] = std::make_unique<SyncServiceImpl>(*stores_[i], *log_key_, clock_, opts);
}

void World::RestartServer() {
  ++activity_.server_restarts;
  OpenServer(rng_() % stores_.size());
}

Device& World::AddDevice(const std::string& school, const std::string& role,
                         const std::string& name, int64_t skew_ms) {
  auto d = std::make_unique<Device>();
  d->name = name;
  d->school = school;
  d->role = role;
  d->clock = std::make_unique<SkewedClock>(clock_, skew_ms);
  d->ids = std::make_unique<SequentialIdSource>(name);
  d->db_path = dir_ + "/" + name + ".db";
  d->ledger = Ledger::Open(d->db_path, *d->clock, *d->ids).value();
  devices_.push_back(std::move(d));
  return *devices_.back();
}

void World::CrashDevice(Device& d) {
  ++activity_.crashes;
  d.ledger.reset();
  d.ledger = Ledger::Open(d.db_path, *d.clock, *d.ids).value();
}

std::unique_ptr<LedgerSyncStore> World::SyncStoreFor(Device& d) {
  return std::make_unique<LedgerSyncStore>(*d.ledger, kDefaultLogName,
                                           VerifyingKey::FromSigningKey(*log_key_));
}

SessionOutcome World::RunSession(Device& d, const std::string& hello_school, const Faults& faults,
                                 const std::vector<std::string>& inject) {
  auto store = SyncStoreFor(d);
  protocol::ClientSessionOptions copts;
  copts.batch_ops = 1 + rng_() % 20;  // small batches: many cut points
  copts.pull_limit = 1 + static_cast<uint32_t>(rng_() % 30);
  copts.school_id = hello_school;
  copts.push_window = 1 + rng_() % 2;  // as rectify sync: one, or two on a fast link
  protocol::ClientSession client(*store, copts);
  protocol::PeerIdentity peer{d.role == "auditor" ? "" : d.school, d.ledger->device_id(),
                              d.role == "attacker" ? "school" : d.role, "sim:" + d.name};
  // Each session through a random server (one draw only when there is a choice,
  // so single-server seeds replay as before).
  const size_t via = services_.size() > 1 ? rng_() % services_.size() : 0;
  protocol::ServerSession server(*services_[via], peer);
  bool injected = false;
  ++activity_.sessions;
  struct Disarm {
    ~Disarm() { FaultVfs::Clear(); }
  } disarm;
  if (faults.storage > 0 && Chance(rng_, faults.storage)) ArmStorageFault(d);
  if (!inject.empty()) ++activity_.replays;
  auto tally = [&] {
    const auto& s = client.summary();
    if (copts.push_window > 1 && s.batches >= 2) ++activity_.pipelined;
    activity_.conflicts += s.conflicts;
    activity_.rejected += s.rejected;
    activity_.applied += s.applied;
    activity_.superseded += s.superseded;
  };
  for (int step = 0; step < 10'000; ++step) {
    std::string up = client.TakeOutput();
    if (!up.empty()) {
      for (auto& f : SplitFrames(up)) d.sent_frames.push_back(f);
      if (Chance(rng_, faults.cut)) {
        server.OnBytes(up.substr(0, rng_() % up.size()));
        ++activity_.cuts;
        tally();
        return {false, Status::Unavailable("link cut (up)"), client.summary()};
      }
      server.OnBytes(up);
      if (Chance(rng_, faults.duplicate)) server.OnBytes(up);
      if (!injected && !inject.empty()) {
        for (const auto& f : inject) server.OnBytes(f);
        injected = true;
      }
    }
    std::string down = server.TakeOutput();
    if (!down.empty()) {
      if (Chance(rng_, faults.cut)) {
        client.OnBytes(down.substr(0, rng_() % down.size()));
        ++activity_.cuts;
        tally();
        return {false, Status::Unavailable("link cut (down)"), client.summary()};
      }
      client.OnBytes(down);
    }
    if (up.empty() && down.empty()) break;
  }
  tally();
  if (client.succeeded()) ++activity_.sessions_ok;
  return {client.succeeded(), client.status(), client.summary()};
}

// One storage fault for the coming session, on the server's file or the device's.
void World::ArmStorageFault(const Device& d) {
  ++activity_.storage_faults;
  StorageFaults f;
  f.path_contains = rng_() % 2 ? std::string("/rectifyd.db") : "/" + d.name + ".db";
  switch (rng_() % 3) {
    case 0:
      f.disk_full = true;
      break;
    case 1:
      f.fail_writes = true;
      break;
    default:
      f.fail_syncs = true;
      break;
  }
  f.writes_before_fault = rng_() % 40;
  FaultVfs::Set(f);
}

SessionOutcome World::Sync(Device& d, const Faults& faults) {
  std::vector<std::string> inject;
  if (!d.sent_frames.empty() && Chance(rng_, faults.replay)) {
    // An old frame of this device arrives again, out of order.
    const std::string& f = d.sent_frames[rng_() % d.sent_frames.size()];
    if (static_cast<uint8_t>(f[4]) == static_cast<uint8_t>(protocol::MsgType::kPushBatch))
      inject.push_back(f);
  }
  std::string hello_school = d.role == "auditor" ? d.school : "";
  return RunSession(d, hello_school, faults, inject);
}

void World::RandomEdit(Device& d) {
  Ledger& l = *d.ledger;
  if (l.school_id().empty() || d.role == "attacker") return;
  const std::string author = "author-" + d.name;
  auto problems = l.ListProblems({});
  // Most edits hit a few hot problems, so concurrent writes to one field happen.
  std::string ref;
  if (!problems.empty()) {
    size_t pick =
        rng_() % 4 != 0 ? rng_() % std::min<size_t>(3, problems.size()) : rng_() % problems.size();
    ref = std::to_string(problems[pick].number);
  }
  static const std::vector<std::string> kSchoolStatuses = {"未开始", "in_progress", "已完成",
                                                           "long_term", "整改完成"};
  static const std::vector<std::string> kWords = {"整改完成", "推进中",   "已上岗",  "已维修",
                                                  "已封存",   "制定方案", "召开会议"};
  if (d.role == "auditor") {
    if (ref.empty()) return;
    switch (rng_() % 3) {
      case 0:
        (void)l.SetProblemStatus(ref, "已销号", "", author);
        break;
      case 1:
        (void)l.SetProblemStatus(ref, "in_progress", "回头看：复查未达标", author);
        break;
      default:
        (void)l.AddNote(ref, "2024-03-01", author, "审核意见：" + Pick(rng_, kWords));
        break;
    }
    return;
  }
  switch (problems.empty() ? 0 : rng_() % 7) {
    case 0: {
      NewProblem p;
      p.title = "问题" + std::to_string(++problems_made_) + "-" + d.name;
      p.aspect = rng_() % 2 ? "第一方面" : "第二方面";
      p.new_aspect = true;
      (void)l.AddProblem(p, author);
      break;
    }
    case 1:
    case 2:
      (void)l.EditProblem(ref, {{"result", Pick(rng_, kWords) + std::to_string(rng_() % 100)}},
                          author);
      break;
    case 3:
      (void)l.SetProblemStatus(ref, Pick(rng_, kSchoolStatuses), "", author);
      break;
    case 4:
      (void)l.AddMeasure(ref, "措施" + Pick(rng_, kWords), "责任人", "2024-06-30", author);
      break;
    case 5:
      (void)l.AddNote(ref, "2024-02-22", author, Pick(rng_, kWords));
      break;
    default:
      (void)l.EditProblem(ref, {{"department", std::string(rng_() % 2 ? "政教处" : "后勤处")}},
                          author);
      break;
  }
}

bool World::Quiesce(std::string* why) {
  for (int round = 0; round < 12; ++round) {
    bool moved = false;
    for (auto& d : devices_) {
      if (d->role == "attacker") continue;
      if (d->ledger->school_id().empty() && d->role != "school") continue;
      auto out = Sync(*d, Faults{});
      if (!out.ok) {
        *why = d->name + ": clean sync failed: " + out.status.ToString();
        return false;
      }
      if (out.summary.pushed > 0 || out.summary.pulled > 0) moved = true;
    }
    if (!moved) return true;
  }
  *why = "did not settle in 12 rounds";
  return false;
}

std::map<std::string, std::string> World::ServerState(const std::string& school) {
  auto txn = store().BeginRead(school).value();
  std::map<std::pair<std::string, std::string>, RowState> rows;
  uint64_t cursor = 0;
  while (true) {
    auto ops = txn->OpsAfter(cursor, 1000).value();
    if (ops.empty()) break;
    for (const auto& so : ops) {
      MergeOp(rows[{so.op.entity, so.op.row_id}], so.op);
      cursor = so.result.server_seq;
    }
  }
  std::map<std::string, std::string> out;
  for (const auto& [key, row] : rows) {
    // The server's stored field states must agree with its own op stream.
    auto stored = txn->ReadRow(key.first, key.second).value();
    for (const auto& [field, st] : row) {
      auto it = stored.find(field);
      std::string v = ValueToString(st.value);
      if (it == stored.end() || it->second.value != st.value) v += " <STORED DIFFERS>";
      out[key.first + "/" + key.second + "/" + field] = v;
    }
  }
  return out;
}

uint64_t World::LeafCount(const std::string& school) {
  auto txn = store().BeginRead(school).value();
  return txn->LeafCount().value();
}

namespace {
std::string DiffMaps(const std::map<std::string, std::string>& a,
                     const std::map<std::string, std::string>& b) {
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) return k + " missing on the right (left has '" + v + "')";
    if (it->second != v) return k + ": '" + v + "' vs '" + it->second + "'";
  }
  for (const auto& [k, v] : b)
    if (!a.count(k)) return k + " missing on the left (right has '" + v + "')";
  return "";
}
}  // namespace

std::string World::CheckConvergence() {
  for (auto& d : devices_) {
    if (d->role == "attacker") continue;
    auto server = ServerState(d->school);
    if (auto diff = DiffMaps(d->ledger->DumpState(), server); !diff.empty())
      return d->name + " view vs server: " + diff;
    if (auto diff = DiffMaps(d->ledger->DumpCanon(), server); !diff.empty())
      return d->name + " canon vs server: " + diff;
    if (d->ledger->PendingCount() != 0) return d->name + " still has pending ops";
  }
  return "";
}

std::string World::CheckNothingLost() {
  for (auto& d : devices_) {
    if (d->role == "attacker") continue;
    auto txn = store().BeginRead(d->school).value();
    const uint64_t last = d->ledger->LastDeviceSeq();
    for (uint64_t seq = 1; seq <= last; ++seq) {
      auto found = txn->FindOp(d->ledger->device_id(), seq).value();
      if (!found) return d->name + " op " + std::to_string(seq) + " never reached the server";
    }
    auto stored_last = txn->LastDeviceSeq(d->ledger->device_id()).value();
    if (stored_last != last)
      return d->name + ": server has seq " + std::to_string(stored_last) + ", device made " +
             std::to_string(last);
  }
  // Exactly once in the log: one leaf per stored op, whatever its outcome.
  for (const auto& school : schools_) {
    auto txn = store().BeginRead(school).value();
    uint64_t ops = 0;
    for (auto& d : devices_)
      if (d->school == school) ops += txn->LastDeviceSeq(d->ledger->device_id()).value();
    uint64_t leaves = txn->LeafCount().value();
    if (leaves != ops)
      return school + ": " + std::to_string(leaves) + " leaves for " + std::to_string(ops) + " ops";
  }
  return "";
}

std::string World::CheckIdempotentReplay() {
  std::map<std::string, std::map<std::string, std::string>> before;
  std::map<std::string, uint64_t> leaves;
  for (const auto& s : schools_) {
    before[s] = ServerState(s);
    leaves[s] = LeafCount(s);
  }
  // Every frame any device ever sent, replayed in a fresh session, shuffled.
  for (auto& d : devices_) {
    if (d->sent_frames.empty() || d->role == "attacker") continue;
    std::vector<std::string> pushes;
    for (const auto& f : d->sent_frames)
      if (static_cast<uint8_t>(f[4]) == static_cast<uint8_t>(protocol::MsgType::kPushBatch))
        pushes.push_back(f);
    std::shuffle(pushes.begin(), pushes.end(), rng_);
    (void)RunSession(*d, d->role == "auditor" ? d->school : "", Faults{}, pushes);
  }
  for (const auto& s : schools_) {
    if (auto diff = DiffMaps(before[s], ServerState(s)); !diff.empty())
      return s + " changed by replay: " + diff;
    if (LeafCount(s) != leaves[s]) return s + ": replay added leaves";
  }
  std::string why;
  if (!Quiesce(&why)) return "after replay: " + why;
  return CheckConvergence();
}

std::string World::CheckIsolation() {
  for (auto& d : devices_) {
    if (d->role != "attacker") continue;
    const std::string other =
        schools_[(std::find(schools_.begin(), schools_.end(), d->school) - schools_.begin() + 1) %
                 schools_.size()];
    if (other == d->school) continue;
    // 1. Naming another school in the hello is refused.
    auto out = RunSession(*d, other, Faults{}, {});
    if (out.ok || out.status.code() != Status::Code::kPermissionDenied)
      return d->name + " could open a session on " + other + ": " + out.status.ToString();
    // 2. An op claiming another school, pushed in its own session, is rejected.
    const uint64_t leaves_other = LeafCount(other);
    (void)d->ledger->SetIdentity(d->school, "school");
    Op op;
    op.device_id = d->ledger->device_id();
    op.device_seq = d->ledger->LastDeviceSeq() + 1 + d->sent_frames.size();
    op.school_id = other;
    op.entity = "problem";
    op.row_id = "stolen";
    op.fields = {{"title", std::string("篡改"), {}}};
    op.hlc = Hlc::Make(clock_.NowMillis(), 0);
    op.author = "mallory";
    op.schema_version = kSchemaVersion;
    auto txn = store().BeginRead(d->school).value();
    op.device_seq = txn->LastDeviceSeq(op.device_id).value() + 1;
    txn.reset();
    protocol::PushBatch batch{"attack-" + std::to_string(op.device_seq), {op}};
    std::string frame = protocol::EncodeMessage(protocol::MsgType::kPushBatch, batch);
    d->sent_frames.push_back(frame);
    (void)RunSession(*d, "", Faults{}, {frame});
    auto other_state = ServerState(other);
    for (const auto& [k, v] : other_state)
      if (k.find("stolen") != std::string::npos) return d->name + " wrote into " + other;
    if (LeafCount(other) != leaves_other) return d->name + "'s op landed in " + other + "'s log";
    auto own = store().BeginRead(d->school).value();
    auto stored = own->FindOp(op.device_id, op.device_seq).value();
    if (!stored || stored->result.outcome != protocol::Outcome::kRejected)
      return d->name + "'s cross-school op was not rejected";
    // 3. Nothing of another school ever reached this school's replicas.
    for (auto& peer : devices_) {
      if (peer->school != d->school || peer->role == "attacker") continue;
      for (const auto& [k, v] : peer->ledger->DumpState())
        if (k.find(other + "-") != std::string::npos && k.rfind("school/", 0) != 0)
          return peer->name + " holds " + k + " from " + other;
    }
  }
  return "";
}

}  // namespace rectify::sim
