// C2SP tlog-checkpoint bodies inside C2SP signed notes, with Ed25519 keys.
//
// Body (note text), every line ending in '\n':
//   <origin>
//   <tree size, decimal, no leading zeros>
//   <base64 of the 32-byte RFC 6962 root>
//   [<extension line>...]
// Signed note: body + "\n" + one or more lines
//   "— <key name> <base64(4-byte key hash || 64-byte Ed25519 signature)>\n"
// (U+2014 EM DASH, then a space). The signature covers the body bytes exactly.
// Ed25519 key hash: first 4 bytes of SHA-256(key name || "\n" || 0x01 || pubkey).
// Verifier key string: "<name>+<8 hex digits of key hash>+<base64(0x01 || pubkey)>".
//
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shared/ed25519.h"
#include "shared/sha256.h"
#include "shared/status.h"

namespace rectify {

struct Checkpoint {
  std::string origin;  // e.g. "rectify.district/<school_id>"; the log's identity
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // optional, opaque, non-empty lines

  bool operator==(const Checkpoint&) const = default;
};

// Precondition for a meaningful result: origin and extensions are non-empty
// and hold no control characters (ParseCheckpointBody would reject them).
std::string CheckpointBody(const Checkpoint& c);
Result<Checkpoint> ParseCheckpointBody(std::string_view body);

// Key names: non-empty UTF-8, no whitespace, no '+'.
bool IsValidKeyName(std::string_view name);
uint32_t Ed25519KeyHash(std::string_view key_name, std::string_view public_key_raw);

// Signs `body` (which must end in '\n') as a one-signature note.
// InvalidArgument for a bad key name or body text.
Result<std::string> SignNote(std::string_view body, std::string_view key_name,
                             const SigningKey& key);

// Verifies that `note` is a well-formed signed note carrying a valid signature
// by (key_name, key), and that its text is a well-formed checkpoint; returns
// it. Signature lines by other keys (witness cosignatures) are ignored; a line
// that claims our key but does not verify is an error. Corruption on any
// failure.
Result<Checkpoint> VerifyNote(std::string_view note, std::string_view key_name,
                              const VerifyingKey& key);

// The note text (body) of a signed note, unverified; for tools that hand the
// body to `openssl pkeyutl -verify`.
Result<std::string> NoteText(std::string_view note);

std::string VerifierKeyString(std::string_view key_name, std::string_view public_key_raw);

struct VerifierKey {
  std::string name;
  uint32_t key_hash = 0;
  VerifyingKey key;
};
// Parses and checks a verifier key string (the hash must match name and key).
Result<VerifierKey> ParseVerifierKey(std::string_view text);

// A published log key file in either form (docs/audit-log.md §4): the
// verifier key string on line 1 (optionally followed by the PEM of the same
// key, as an export's log.pub), or a PEM SubjectPublicKeyInfo alone (the
// district's DIR/log.pub written by `rectifyd init`). A PEM names no key, so
// the name is taken from the signature line of `note` (a signed checkpoint)
// whose key hash matches the key. InvalidArgument names what is wrong.
Result<VerifierKey> ParseLogKeyFile(std::string_view text, std::string_view note);

}  // namespace rectify
