#include "client/ledger/evidence_attach.h"

#include "shared/domain.h"
#include "shared/sha256.h"

namespace rectify {

Result<AttachedEvidence> AttachEvidence(Ledger& ledger, LocalEvidenceStore& store, IdSource& ids,
                                        const std::string& problem_ref, int measure_ordinal,
                                        const std::string& name, std::string_view bytes,
                                        uint64_t max_bytes, const std::string& author) {
  if (bytes.empty()) return Status::InvalidArgument("the evidence file is empty");
  if (bytes.size() > max_bytes)
    return Status::InvalidArgument("the evidence file has " + std::to_string(bytes.size()) +
                                   " bytes, more than the limit of " + std::to_string(max_bytes));
  if (name.empty()) return Status::InvalidArgument("the evidence file needs a name");
  auto problem = ledger.GetProblem(problem_ref);
  if (!problem.ok()) return problem.status();
  if (auto why = CheckProblemEdit(ledger.role(), problem->status, std::to_string(problem->number)))
    return Status::PermissionDenied(*why);
  std::string measure_id;
  if (measure_ordinal > 0) {
    for (const auto& m : problem->measures)
      if (m.ordinal == measure_ordinal) measure_id = m.id;
    if (measure_id.empty())
      return Status::NotFound("problem " + problem_ref + " has no measure " +
                              std::to_string(measure_ordinal));
  }
  AttachedEvidence out;
  out.sha256 = HashToHex(Sha256(bytes));
  out.size = bytes.size();
  RECTIFY_RETURN_IF_ERROR(store.PutBlob(out.sha256, bytes));
  out.id = ids.NewId();
  Fields fields = {{"problem_id", problem->id},
                   {"measure_id", measure_id.empty() ? Value{} : Value{measure_id}},
                   {"sha256", out.sha256},
                   {"name", name},
                   {"size", static_cast<int64_t>(out.size)},
                   {"deleted", int64_t{0}}};
  RECTIFY_RETURN_IF_ERROR(ledger.Edit("evidence", out.id, fields, author));
  return out;
}

}  // namespace rectify
