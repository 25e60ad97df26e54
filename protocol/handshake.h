// The client's half of every session's opening and closing (docs/protocol.md,
// docs/design.md §6), shared by the sync, evidence and request sessions: one
// hello, one check of the version the server chose, one mapping of the
// server's Error frame to a Status, one bye. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/frame.h"
#include "protocol/messages.h"
#include "shared/status.h"

namespace rectify::protocol {

inline constexpr char kClientName[] = "rectify/0.1.0";

// The Hello frame, offering every version this build speaks, at the highest.
std::string EncodeClientHello(const std::string& school_id,
                              const std::string& client_name = kClientName);

// Decodes the HelloAck and checks the chosen version is one this build speaks
// (FailedPrecondition otherwise).
Result<HelloAck> AcceptHelloAck(const Frame& frame, uint32_t max_frame_bytes);

// The server's Error frame as a Status: PermissionDenied ("server refused:
// …"), NotFound, else FailedPrecondition ("server error: …"); nullopt when
// `frame` is not an Error frame.
std::optional<Status> ServerError(const Frame& frame, uint32_t max_frame_bytes);

// The Bye frame that ends a session at the negotiated version.
std::string EncodeClientBye(uint8_t version);

}  // namespace rectify::protocol
