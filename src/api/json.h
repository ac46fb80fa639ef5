#pragma once

#include <vector>

#include "api/types.h"
#include "api/validation.h"

// PostgresMigration <-> JSON as the API server speaks it (camelCase). Reading reports every problem at once,
// each naming its field path; writing omits empty and default-less fields so that status writes stay small
// and compare equal when nothing changed.
namespace pgrevise::api {

// A resource read without throwing: `errors` empty means valid. Type errors, unknown spec fields (what strict
// field validation refuses), bad durations, and everything validate() finds are all listed; where a field is
// wrong its default is kept in `resource`.
struct ParseOutcome {
  PostgresMigration resource;
  std::vector<FieldError> errors;
  bool ok() const { return errors.empty(); }
};
ParseOutcome read_postgres_migration(const Json& object);

// Same, throwing ValidationError (kBadInput) listing every problem.
PostgresMigration parse_postgres_migration(const Json& object);

// Status as written by the operator. Lenient: fields of the wrong type are skipped (an older or newer
// operator may have written them) and unknown fields are ignored.
Status parse_status(const Json& status);
ObjectMeta parse_metadata(const Json& metadata);

// Serialisation (camelCase, empty and unset fields omitted, durations in the shortest Go form). to_json(Spec)
// writes every defaulted field explicitly, and to_json(ObjectMeta) only the fields above (no ownerReferences,
// finalizers, managedFields): write status through the status subresource (with_status) and never PUT these
// to the main resource, which would change the spec's generation or drop metadata.
Json to_json(const Spec& spec);
Json to_json(const Status& status);
Json to_json(const Condition& condition);
Json to_json(const ObjectMeta& metadata);
Json to_json(const PostgresMigration& resource);

// The body of a PUT to the status subresource: the object as read (its metadata.resourceVersion included, so
// a concurrent change answers 409 Conflict) with its status replaced.
Json with_status(Json object, const Status& status);

// The body of a merge patch of the status subresource: {"status": {...}} where absent fields are null, so a
// patch also clears what the new status no longer has.
Json status_merge_patch(const Status& status);

}  // namespace pgrevise::api
