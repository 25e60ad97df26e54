// A simulated district: one real SyncServiceImpl over a real SqliteStore (or
// several, each over its own PgStore on one PostgreSQL database: a province
// of servers, each session through a random one), and
// many devices (school clerks, auditors, an attacker per school) each with a
// real Ledger file, talking through the real sans-I/O sessions over an
// in-memory link that cuts, duplicates and replays frames. Deterministic for
// a seed: every random choice comes from one std::mt19937_64.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "client/ledger/ledger.h"
#include "client/sync/ledger_sync_store.h"
#include "protocol/client_session.h"
#include "protocol/server_session.h"
#include "server/service/sync_service_impl.h"
#include "server/storage/store.h"
#include "shared/ed25519.h"

namespace rectify::sim {

struct Faults {
  double cut = 0;        // per delivery: cut the link at a random byte
  double duplicate = 0;  // per client delivery: deliver it twice
  double replay = 0;     // per session: inject an old recorded frame after the hello
  // Per session: the server's or the device's disk fails during it (full,
  // failed writes or failed fsyncs, after a random number of good writes).
  double storage = 0;
};

struct Device {
  std::string name, school, role;
  std::unique_ptr<SkewedClock> clock;
  std::unique_ptr<SequentialIdSource> ids;
  std::string db_path;
  std::unique_ptr<Ledger> ledger;
  std::vector<std::string> sent_frames;  // every client->server frame, for replays
};

struct SessionOutcome {
  bool ok = false;
  Status status;
  protocol::SyncSummary summary;
};

// What a run did, so a test can prove it exercised the hard cases.
struct Activity {
  uint64_t sessions = 0, sessions_ok = 0, cuts = 0, conflicts = 0, rejected = 0, applied = 0,
           superseded = 0, crashes = 0, server_restarts = 0, replays = 0;
  uint64_t pipelined = 0;       // sessions with two push batches in flight that pushed >= 2
  uint64_t storage_faults = 0;  // sessions run with a storage fault armed
};

// Where the server side lives: SQLite in the world's folder (pg_uri empty),
// or `servers` services each with its own PgStore on pg_uri.
struct ServerSide {
  std::string pg_uri;
  int servers = 1;
};

class World {
 public:
  const Activity& activity() const { return activity_; }
  World(uint64_t seed, std::string dir, int schools, int devices_per_school, ServerSide side = {});
  ~World();

  std::mt19937_64& rng() { return rng_; }
  ManualClock& clock() { return clock_; }
  std::vector<std::unique_ptr<Device>>& devices() { return devices_; }
  const std::vector<std::string>& schools() const { return schools_; }

  // One sync of `d` over the faulty link. Never throws; returns what happened.
  SessionOutcome Sync(Device& d, const Faults& faults);
  // A random local edit of any kind the device's role allows.
  void RandomEdit(Device& d);
  // Drop the in-memory ledger and reopen the file (kill -9 of the client).
  void CrashDevice(Device& d);
  // Drop and reopen one server's store and service (kill -9 of the server).
  void RestartServer();
  // Faults off, round-robin syncs until nothing moves. False if it never settles.
  bool Quiesce(std::string* why);

  // Invariant checks; each returns "" when it holds, else what broke.
  std::string CheckConvergence();
  std::string CheckNothingLost();
  std::string CheckIdempotentReplay();
  std::string CheckIsolation();

  // The server's state of a school, replayed from its op stream.
  std::map<std::string, std::string> ServerState(const std::string& school);
  uint64_t LeafCount(const std::string& school);

 private:
  Device& AddDevice(const std::string& school, const std::string& role, const std::string& name,
                    int64_t skew_ms);
  void OpenServer(size_t i);
  Store& store() { return *stores_[0]; }
  std::unique_ptr<LedgerSyncStore> SyncStoreFor(Device& d);
  SessionOutcome RunSession(Device& d, const std::string& hello_school, const Faults& faults,
                            const std::vector<std::string>& inject);
  void ArmStorageFault(const Device& d);

  std::mt19937_64 rng_;
  std::string dir_;
  ManualClock clock_;
  std::vector<std::string> schools_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::unique_ptr<SigningKey> log_key_;
  ServerSide side_;
  std::vector<std::unique_ptr<Store>> stores_;
  std::vector<std::unique_ptr<SyncServiceImpl>> services_;
  int problems_made_ = 0;
  Activity activity_;
};

}  // namespace rectify::sim
