// `rectifyd verify` and the log key a device needs to check checkpoints.
#pragma once

#include <string>

#include "shared/status.h"

namespace CLI {
class App;
}  // namespace CLI

namespace rectify {

// Registers `rectifyd verify --data DIR [--school ID] [--json]`: rebuilds every
// school's Merkle tree from its stored leaves and checks it against the signed
// checkpoints; exit 1 naming the first bad leaf.
void AddVerifyCommand(CLI::App& app, int* exit_code);

// Writes OUT/log.pub for an enrolled device: line 1 the district's verifier
// key string (key name + key), then the PEM public key. The device pins it to
// verify every checkpoint the server sends.
Status WriteDeviceLogKey(const std::string& data_dir, const std::string& out_dir);

}  // namespace rectify
