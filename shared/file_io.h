// The one way the product reads and writes whole files (docs/design.md §3).
// Writing covers bundles,
// exports, reports, identities and keys. The bytes go to a temporary file in
// the same folder, are fsynced, renamed over the final name (or linked to it
// when the file must not exist yet), and the folder is fsynced, so a crash or
// a pulled USB stick leaves either the old file or the whole new one, never
// half of one. Thread-safe (no shared state).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "shared/status.h"

namespace rectify {

enum class IfExists { kReplace, kRefuse };

// Writes `bytes` to `path` with permission bits `mode` (applied when the
// temporary file is created: a 0600 key is never readable by others, not even
// for an instant). kRefuse: AlreadyExists if `path` exists, and it is left as
// it was. IOError names the path and the reason (e.g. "No space left on device").
Status WriteFileAtomic(const std::string& path, std::string_view bytes, mode_t mode = 0644,
                       IfExists if_exists = IfExists::kReplace);

// The whole content of a regular file. NotFound if it does not exist,
// InvalidArgument if it is a folder or not a regular file, IOError otherwise;
// every message names the path.
Result<std::string> ReadWholeFile(const std::string& path);

// Appends `bytes` to `path` (created 0644 if missing), not synced. On an
// error a prefix of `bytes` may have been written, as with a real full disk.
Status AppendToFile(const std::string& path, std::string_view bytes);
// fsync of the file's data.
Status SyncFile(const std::string& path);
// rename(2), then fsync of the target's folder: afterwards the new name
// survives a crash.
Status RenameDurably(const std::string& from, const std::string& to);

}  // namespace rectify
