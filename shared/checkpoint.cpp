#include "shared/checkpoint.h"

#include <charconv>

#include "shared/base64.h"

namespace rectify {
namespace {

constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space
constexpr char kAlgEd25519 = 0x01;

// Length of the UTF-8 sequence at s[i], or 0 if it is not valid (overlong,
// surrogate, beyond U+10FFFF, or truncated).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b = byte(i);
  if (b < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if ((b & 0xE0) == 0xC0) {
    n = 2, cp = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3, cp = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4, cp = b & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Signed-note text rule: valid UTF-8 and no ASCII control character except
// newline, so what a human reads is what was signed.
bool IsValidText(std::string_view s, bool allow_newline) {
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    uint8_t b = static_cast<uint8_t>(s[i]);
    if (n == 1 && (b < 0x20 || b == 0x7F) && !(allow_newline && b == '\n')) return false;
    i += n;
  }
  return true;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  // Precondition: text ends in '\n'; the empty piece after it is not a line.
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string KeyHashBytes(uint32_t h) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((h >> (24 - 8 * i)) & 0xff);
  return out;
}

uint32_t KeyHashFromBytes(std::string_view b) {
  uint32_t h = 0;
  for (int i = 0; i < 4; ++i) h = (h << 8) | static_cast<uint8_t>(b[i]);
  return h;
}

struct SplitNote {
  std::string_view text;
  std::vector<std::string_view> sig_lines;
};

Result<SplitNote> Split(std::string_view note) {
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Status::Corruption("note: no blank line");
  SplitNote out;
  out.text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') {
    return Status::Corruption("note: signature block missing or not newline-terminated");
  }
  if (!IsValidText(out.text, true) || !IsValidText(sigs, true)) {
    return Status::Corruption("note: invalid UTF-8 or control character");
  }
  out.sig_lines = SplitLines(sigs);
  return out;
}

}  // namespace

std::string CheckpointBody(const Checkpoint& c) {
  std::string out =
      c.origin + "\n" + std::to_string(c.size) + "\n" + Base64Encode(HashBytes(c.root)) + "\n";
  for (const std::string& e : c.extensions) out += e + "\n";
  return out;
}

Result<Checkpoint> ParseCheckpointBody(std::string_view body) {
  if (body.empty() || body.back() != '\n') {
    return Status::Corruption("checkpoint: body must end with a newline");
  }
  if (!IsValidText(body, true)) return Status::Corruption("checkpoint: invalid text");
  std::vector<std::string_view> lines = SplitLines(body);
  if (lines.size() < 3) return Status::Corruption("checkpoint: fewer than three lines");
  for (std::string_view l : lines) {
    if (l.empty()) return Status::Corruption("checkpoint: empty line");
  }
  Checkpoint c;
  c.origin = std::string(lines[0]);
  if (!ParseDecimal(lines[1], &c.size)) return Status::Corruption("checkpoint: bad tree size");
  Result<std::string> root = Base64Decode(lines[2]);
  if (!root.ok() || root->size() != 32) return Status::Corruption("checkpoint: bad root hash");
  c.root = *HashFromBytes(*root);
  for (size_t i = 3; i < lines.size(); ++i) c.extensions.emplace_back(lines[i]);
  return c;
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty() || !IsValidText(name, false)) return false;
  for (char c : name) {
    if (c == ' ' || c == '+') return false;
  }
  // Unicode spaces that are not ASCII (U+00A0, U+3000 …) are not worth a
  // table here: names are ASCII by our convention and checked byte-exactly.
  return true;
}

uint32_t Ed25519KeyHash(std::string_view key_name, std::string_view public_key_raw) {
  Hash h = Sha256Concat({key_name, "\n", std::string_view(&kAlgEd25519, 1), public_key_raw});
  return KeyHashFromBytes(HashBytes(h));
}

Result<std::string> SignNote(std::string_view body, std::string_view key_name,
                             const SigningKey& key) {
  if (!IsValidKeyName(key_name)) return Status::InvalidArgument("note: invalid key name");
  if (body.empty() || body.back() != '\n' || !IsValidText(body, true) ||
      body.find("\n\n") != std::string_view::npos || body.front() == '\n') {
    return Status::InvalidArgument("note: invalid note text");
  }
  std::string sig = key.Sign(body);
  if (sig.size() != 64) return Status::Internal("note: signing failed");
  uint32_t kh = Ed25519KeyHash(key_name, key.PublicKeyRaw());
  std::string out(body);
  out += "\n";
  out += kSigPrefix;
  out += key_name;
  out += " ";
  out += Base64Encode(KeyHashBytes(kh) + sig);
  out += "\n";
  return out;
}

Result<Checkpoint> VerifyNote(std::string_view note, std::string_view key_name,
                              const VerifyingKey& key) {
  Result<SplitNote> split = Split(note);
  if (!split.ok()) return split.status();
  uint32_t want_hash = Ed25519KeyHash(key_name, key.Raw());
  bool verified = false;
  for (std::string_view line : split->sig_lines) {
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return Status::Corruption("note: malformed signature line");
    }
    line.remove_prefix(kSigPrefix.size());
    size_t space = line.find(' ');
    if (space == std::string_view::npos)
      return Status::Corruption("note: malformed signature line");
    std::string_view name = line.substr(0, space);
    Result<std::string> blob = Base64Decode(line.substr(space + 1));
    if (!IsValidKeyName(name) || !blob.ok() || blob->size() < 5) {
      return Status::Corruption("note: malformed signature line");
    }
    if (name != key_name || KeyHashFromBytes(*blob) != want_hash) continue;  // another signer
    if (blob->size() != 4 + 64 || !key.Verify(split->text, blob->substr(4))) {
      return Status::Corruption("note: invalid signature by " + std::string(key_name));
    }
    verified = true;
  }
  if (!verified) return Status::Corruption("note: no signature by " + std::string(key_name));
  Result<Checkpoint> c = ParseCheckpointBody(split->text);
  if (!c.ok()) return c.status();
  return c;
}

Result<std::string> NoteText(std::string_view note) {
  Result<SplitNote> split = Split(note);
  if (!split.ok()) return split.status();
  return std::string(split->text);
}

std::string VerifierKeyString(std::string_view key_name, std::string_view public_key_raw) {
  return std::string(key_name) + "+" +
         HexEncode(KeyHashBytes(Ed25519KeyHash(key_name, public_key_raw))) + "+" +
         Base64Encode(std::string(1, kAlgEd25519) + std::string(public_key_raw));
}

Result<VerifierKey> ParseVerifierKey(std::string_view text) {
  size_t p1 = text.find('+');
  size_t p2 = p1 == std::string_view::npos ? p1 : text.find('+', p1 + 1);
  if (p2 == std::string_view::npos) return Status::InvalidArgument("verifier key: malformed");
  std::string_view name = text.substr(0, p1);
  std::string_view hash_hex = text.substr(p1 + 1, p2 - p1 - 1);
  Result<std::string> hash = HexDecode(hash_hex);
  Result<std::string> blob = Base64Decode(text.substr(p2 + 1));
  if (!IsValidKeyName(name) || hash_hex.size() != 8 || !hash.ok() || !blob.ok() ||
      blob->size() != 33 || (*blob)[0] != kAlgEd25519) {
    return Status::InvalidArgument("verifier key: malformed");
  }
  std::string raw = blob->substr(1);
  if (KeyHashFromBytes(*hash) != Ed25519KeyHash(name, raw)) {
    return Status::InvalidArgument("verifier key: key hash does not match");
  }
  Result<VerifyingKey> key = VerifyingKey::FromRaw(raw);
  if (!key.ok()) return key.status();
  return VerifierKey{std::string(name), KeyHashFromBytes(*hash), *key};
}

Result<VerifierKey> ParseLogKeyFile(std::string_view text, std::string_view note) {
  constexpr std::string_view kPemBegin = "-----BEGIN PUBLIC KEY-----";
  const size_t pem_at = text.find(kPemBegin);
  if (pem_at != 0) {
    // The verifier key string first; a PEM after it must be the same key.
    Result<VerifierKey> vkey = ParseVerifierKey(text.substr(0, text.find('\n')));
    if (!vkey.ok() || pem_at == std::string_view::npos) return vkey;
    Result<VerifyingKey> pem = VerifyingKey::FromPem(text.substr(pem_at));
    if (!pem.ok() || pem->Raw() != vkey->key.Raw())
      return Status::InvalidArgument("log key: the PEM is not the key of line 1");
    return vkey;
  }
  Result<VerifyingKey> key = VerifyingKey::FromPem(text);
  if (!key.ok()) return Status::InvalidArgument("log key: malformed PEM public key");
  Result<SplitNote> split = Split(note);
  if (!split.ok()) return split.status();
  const std::string raw = key->Raw();
  for (std::string_view line : split->sig_lines) {
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) continue;
    line.remove_prefix(kSigPrefix.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, space);
    Result<std::string> blob = Base64Decode(line.substr(space + 1));
    if (!IsValidKeyName(name) || !blob.ok() || blob->size() < 4) continue;
    const uint32_t hash = Ed25519KeyHash(name, raw);
    if (KeyHashFromBytes(*blob) == hash) return VerifierKey{std::string(name), hash, *key};
  }
  return Status::InvalidArgument("log key: the checkpoint carries no signature by this key");
}

}  // namespace rectify
