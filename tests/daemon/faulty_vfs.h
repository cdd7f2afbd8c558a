// A SQLite VFS over the default one whose writes fail on demand, as a disk that fills up or is
// remounted read-only makes them fail: a test opens its Db with vfs "faulty" and sets
// `faulty_vfs().fail_with` to SQLITE_FULL (or SQLITE_IOERR_WRITE), then to 0 when "space returns".
// Every other call goes to the real file; reads keep working, as they do on a full disk.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstring>

namespace jiaoying::testing {

struct FaultyVfs {
  std::atomic<int> fail_with{0};  // 0: writes work
  std::atomic<int> refused{0};    // writes failed so far
  sqlite3_vfs vfs{};
  sqlite3_vfs* real = nullptr;
};

inline FaultyVfs& faulty_vfs();

namespace faulty_detail {

struct File {
  sqlite3_file base;
  sqlite3_file* real;  // right after this struct, of the real VFS's size
};

inline sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

inline int failing() {
  const int code = faulty_vfs().fail_with.load();
  if (code) ++faulty_vfs().refused;
  return code;
}

inline int close(sqlite3_file* f) {
  const int rc = real(f)->pMethods ? real(f)->pMethods->xClose(real(f)) : SQLITE_OK;
  return rc;
}
inline int read(sqlite3_file* f, void* p, int n, sqlite3_int64 at) { return real(f)->pMethods->xRead(real(f), p, n, at); }
inline int write(sqlite3_file* f, const void* p, int n, sqlite3_int64 at) {
  if (int code = failing()) return code;
  return real(f)->pMethods->xWrite(real(f), p, n, at);
}
inline int truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int code = failing()) return code;
  return real(f)->pMethods->xTruncate(real(f), size);
}
inline int sync(sqlite3_file* f, int flags) {
  if (int code = failing()) return code;
  return real(f)->pMethods->xSync(real(f), flags);
}
inline int file_size(sqlite3_file* f, sqlite3_int64* size) { return real(f)->pMethods->xFileSize(real(f), size); }
inline int lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
inline int unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
inline int check_lock(sqlite3_file* f, int* out) { return real(f)->pMethods->xCheckReservedLock(real(f), out); }
inline int control(sqlite3_file* f, int op, void* arg) { return real(f)->pMethods->xFileControl(real(f), op, arg); }
inline int sector(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
inline int device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
inline int shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** p) {
  return real(f)->pMethods->xShmMap(real(f), page, size, extend, p);
}
inline int shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
inline void shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
inline int shm_unmap(sqlite3_file* f, int del) { return real(f)->pMethods->xShmUnmap(real(f), del); }
inline int fetch(sqlite3_file* f, sqlite3_int64 at, int n, void** p) {
  *p = nullptr;  // no memory-mapped reads: every read goes through xRead
  (void)f, (void)at, (void)n;
  return SQLITE_OK;
}
inline int unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

inline const sqlite3_io_methods kMethods = {
    3,         close,    read,        write,     truncate,    sync,  file_size, lock,  unlock, check_lock, control,
    sector,    device,   shm_map,     shm_lock,  shm_barrier, shm_unmap, fetch, unfetch};

inline int open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = reinterpret_cast<File*>(f);
  auto* self = static_cast<FaultyVfs*>(vfs->pAppData);
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  std::memset(file->real, 0, static_cast<size_t>(self->real->szOsFile));
  const int rc = self->real->xOpen(self->real, name, file->real, flags, out_flags);
  file->base.pMethods = rc == SQLITE_OK ? &kMethods : nullptr;
  return rc;
}
inline int remove(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  auto* r = static_cast<FaultyVfs*>(vfs->pAppData)->real;
  return r->xDelete(r, name, sync_dir);
}
inline int access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  auto* r = static_cast<FaultyVfs*>(vfs->pAppData)->real;
  return r->xAccess(r, name, flags, out);
}
inline int full_path(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  auto* r = static_cast<FaultyVfs*>(vfs->pAppData)->real;
  return r->xFullPathname(r, name, n, out);
}
inline int randomness(sqlite3_vfs* vfs, int n, char* out) {
  auto* r = static_cast<FaultyVfs*>(vfs->pAppData)->real;
  return r->xRandomness(r, n, out);
}
inline int sleep(sqlite3_vfs* vfs, int us) {
  auto* r = static_cast<FaultyVfs*>(vfs->pAppData)->real;
  return r->xSleep(r, us);
}
inline int current_time(sqlite3_vfs* vfs, double* out) {
  auto* r = static_cast<FaultyVfs*>(vfs->pAppData)->real;
  return r->xCurrentTime(r, out);
}
inline int last_error(sqlite3_vfs* vfs, int n, char* out) {
  auto* r = static_cast<FaultyVfs*>(vfs->pAppData)->real;
  return r->xGetLastError ? r->xGetLastError(r, n, out) : 0;
}
inline int current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  auto* r = static_cast<FaultyVfs*>(vfs->pAppData)->real;
  return r->xCurrentTimeInt64(r, out);
}

}  // namespace faulty_detail

// Registered (not as the default) the first time it is asked for.
inline FaultyVfs& faulty_vfs() {
  static FaultyVfs* self = [] {
    auto* s = new FaultyVfs;
    s->real = sqlite3_vfs_find(nullptr);
    s->vfs.iVersion = 2;
    s->vfs.szOsFile = static_cast<int>(sizeof(faulty_detail::File)) + s->real->szOsFile;
    s->vfs.mxPathname = s->real->mxPathname;
    s->vfs.zName = "faulty";
    s->vfs.pAppData = s;
    s->vfs.xOpen = faulty_detail::open;
    s->vfs.xDelete = faulty_detail::remove;
    s->vfs.xAccess = faulty_detail::access;
    s->vfs.xFullPathname = faulty_detail::full_path;
    s->vfs.xRandomness = faulty_detail::randomness;
    s->vfs.xSleep = faulty_detail::sleep;
    s->vfs.xCurrentTime = faulty_detail::current_time;
    s->vfs.xGetLastError = faulty_detail::last_error;
    s->vfs.xCurrentTimeInt64 = faulty_detail::current_time_int64;
    sqlite3_vfs_register(&s->vfs, 0);
    return s;
  }();
  return *self;
}

}  // namespace jiaoying::testing
