// Unguessable tokens (session ids, CSRF tokens, enrolment links) and their
// comparison: session ids, CSRF tokens, enrolment links. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace rectify {

// 32 random bytes from OpenSSL's CSPRNG as 64 lowercase hex digits.
std::string NewToken();

// Constant-time equality (length may leak, content does not).
bool TokenEquals(std::string_view a, std::string_view b);

// SHA-256 of a token as hex: what a store keeps instead of the token itself.
std::string TokenDigest(std::string_view token);

}  // namespace rectify
