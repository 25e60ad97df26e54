// The device roles a certificate's OU names and a ledger records. Defined
// once: two definitions of one inline name with different types link to
// whichever the linker meets first (an ODR violation).
#pragma once

namespace rectify {

inline constexpr char kRoleSchool[] = "school";
inline constexpr char kRoleAuditor[] = "auditor";

}  // namespace rectify
