#include "shared/role.h"

namespace rectify {

std::string_view RoleName(Role r) { return r == Role::kAuditor ? "auditor" : "school"; }

std::string_view RoleLabel(Role r) { return r == Role::kAuditor ? "巡察办" : "学校"; }

std::optional<Role> ParseRole(std::string_view text) {
  if (text == "school") return Role::kSchool;
  if (text == "auditor") return Role::kAuditor;
  return std::nullopt;
}

}  // namespace rectify
