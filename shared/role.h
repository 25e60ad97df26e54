// Roles (docs/design.md §1): what a device may do is decided by its role,
// which comes from its certificate. Pure, thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace rectify {

enum class Role { kSchool, kAuditor };

// "school" / "auditor": the form in certificates, the ledger and audit leaves.
std::string_view RoleName(Role r);
// The Chinese label: 学校 / 巡察办.
std::string_view RoleLabel(Role r);
// Accepts the names above; nullopt for anything else.
std::optional<Role> ParseRole(std::string_view text);

}  // namespace rectify
