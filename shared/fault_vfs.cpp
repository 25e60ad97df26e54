#include "shared/fault_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace rectify {
namespace {

constexpr char kVfsName[] = "rectify-fault";

struct State {
  std::mutex mu;
  StorageFaults faults;
  uint64_t writes_seen = 0;
  std::atomic<bool> armed{false};
  std::atomic<uint64_t> injected{0};
  sqlite3_vfs* base = nullptr;
  sqlite3_vfs vfs{};
};
State& S() {
  static State* s = new State();  // never destroyed: SQLite may call in at exit
  return *s;
}

// Our file: the wrapper header, then the base VFS's file object.
struct FaultFile {
  sqlite3_file header;
  sqlite3_file* real;
  const char* name;  // valid until xClose (SQLite guarantees it); null for temp files
};

FaultFile* F(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return F(f)->real; }

enum class Op { kRead, kWrite, kSync, kGrow };

// The error to inject for `op` on `f`, or SQLITE_OK.
int Fault(sqlite3_file* f, Op op) {
  State& s = S();
  if (!s.armed.load(std::memory_order_acquire)) return SQLITE_OK;
  std::lock_guard<std::mutex> lock(s.mu);
  const StorageFaults& x = s.faults;
  const char* name = F(f)->name;
  if (!x.path_contains.empty() && (!name || !std::strstr(name, x.path_contains.c_str())))
    return SQLITE_OK;
  int rc = SQLITE_OK;
  switch (op) {
    case Op::kRead:
      if (x.fail_reads) rc = SQLITE_IOERR_READ;
      break;
    case Op::kWrite:
      if (s.writes_seen++ < x.writes_before_fault) break;
      if (x.disk_full)
        rc = SQLITE_FULL;
      else if (x.fail_writes)
        rc = SQLITE_IOERR_WRITE;
      break;
    case Op::kGrow:
      if (x.disk_full) rc = SQLITE_FULL;
      break;
    case Op::kSync:
      if (x.fail_syncs) rc = SQLITE_IOERR_FSYNC;
      break;
  }
  if (rc != SQLITE_OK) s.injected.fetch_add(1);
  return rc;
}

int Close(sqlite3_file* f) {
  int rc = Real(f)->pMethods ? Real(f)->pMethods->xClose(Real(f)) : SQLITE_OK;
  f->pMethods = nullptr;
  return rc;
}
int Read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
  if (int rc = Fault(f, Op::kRead)) return rc;
  return Real(f)->pMethods->xRead(Real(f), p, n, off);
}
int Write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  if (int rc = Fault(f, Op::kWrite)) return rc;
  return Real(f)->pMethods->xWrite(Real(f), p, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  sqlite3_int64 now = 0;
  if (Real(f)->pMethods->xFileSize(Real(f), &now) == SQLITE_OK && size > now)
    if (int rc = Fault(f, Op::kGrow)) return rc;
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (int rc = Fault(f, Op::kSync)) return rc;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* out) {
  return Real(f)->pMethods->xFileSize(Real(f), out);
}
int Lock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int Unlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int pg, int pgsz, int extend, void volatile** p) {
  return Real(f)->pMethods->xShmMap(Real(f), pg, pgsz, extend, p);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** p) {
  return Real(f)->pMethods->xFetch(Real(f), off, n, p);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), off, p);
}

// Version 3 methods; xShm*/xFetch are only called when the real file has them
// (the io_methods version we report is the real one's).
const sqlite3_io_methods kMethods[4] = {
    {},
    {1, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock, FileControl,
     SectorSize, DeviceCharacteristics, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr},
    {2, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock, FileControl,
     SectorSize, DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier, ShmUnmap, nullptr, nullptr},
    {3, Close, Read, Write, Truncate, Sync, FileSize, Lock, Unlock, CheckReservedLock, FileControl,
     SectorSize, DeviceCharacteristics, ShmMap, ShmLock, ShmBarrier, ShmUnmap, Fetch, Unfetch},
};

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  FaultFile* ff = F(file);
  ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
  ff->name = name;
  int rc = base->xOpen(base, name, ff->real, flags, out_flags);
  if (rc != SQLITE_OK || !ff->real->pMethods) {
    file->pMethods = nullptr;
    return rc;
  }
  int version = ff->real->pMethods->iVersion;
  if (version < 1) version = 1;
  if (version > 3) version = 3;
  file->pMethods = &kMethods[version];
  return SQLITE_OK;
}

}  // namespace

Status FaultVfs::Install() {
  static std::once_flag once;
  static int rc = SQLITE_OK;
  std::call_once(once, [] {
    State& s = S();
    s.base = sqlite3_vfs_find(nullptr);
    if (!s.base) {
      rc = SQLITE_ERROR;
      return;
    }
    s.vfs = *s.base;
    s.vfs.iVersion = s.base->iVersion;
    s.vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + s.base->szOsFile;
    s.vfs.zName = kVfsName;
    s.vfs.pAppData = s.base;
    s.vfs.xOpen = Open;
    s.vfs.pNext = nullptr;
    rc = sqlite3_vfs_register(&s.vfs, 1);
  });
  if (rc != SQLITE_OK)
    return Status::Internal(std::string("cannot install the fault VFS: ") + sqlite3_errstr(rc));
  return Status::OK();
}

void FaultVfs::Set(const StorageFaults& faults) {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  s.faults = faults;
  s.writes_seen = 0;
  s.armed.store(true, std::memory_order_release);
}

void FaultVfs::Clear() {
  State& s = S();
  std::lock_guard<std::mutex> lock(s.mu);
  s.faults = StorageFaults{};
  s.armed.store(false, std::memory_order_release);
}

uint64_t FaultVfs::injected() { return S().injected.load(); }

}  // namespace rectify
