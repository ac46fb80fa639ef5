#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "common/hash.h"
#include "specs/settings.h"

namespace pgrevise::specs {

// Deterministic names: a Job's name is a hash of everything its run depends on, so a restarted operator or
// a duplicate event computes the same name and finds the Job it already created instead of starting a second
// one, while any change that matters (a new spec generation, the migration set, the retry token, the target
// the controller resolved) yields a new name and so a new run. The spec fields a Job uses (target,
// connection, version table, safety flags, runner, backup settings) are hashed too, so that plan_hash_input()
// says what a run is without the generation's help.

inline constexpr size_t kMaxNameLength = 63;  // DNS-1123 label; Job names also become Pod label values
using ::pgrevise::kNameHashLength;            // hex of the hash that ends a shortened name

// The ConfigMap keys that are migration files (*.sql), sorted.
std::vector<std::string> migration_keys_of(const Json& config_map);
// Digest of the migration files in a ConfigMap (its data and binaryData entries named *.sql, with their
// names); other keys such as a README do not change it.
std::string migrations_digest_from_config_map(const Json& config_map);
// Digest of migrations shipped in an image: the image reference and the path inside it. Only a reference
// pinned by digest (@sha256:...) makes a new image build with the same tag a new run.
std::string migrations_digest_from_image(const api::ImageMigrations& image);

// The value of the resource's pgrevise.dev/retry annotation ("" when absent).
std::string retry_token(const api::PostgresMigration& resource);
// The target this run moves to: inputs.target, else spec.targetRevision.
std::string effective_target(const api::PostgresMigration& resource, const RunInputs& inputs);

// Everything a run of `kind` depends on (not the database's current heads, nor the direction they imply, so a
// name stays put while its own run moves the database), as a canonical JSON object (keys sorted by the JSON
// library). The controller compares these to tell whether a Job still describes the run it wants.
Json plan_hash_input(const api::PostgresMigration& resource, JobKind kind, const RunInputs& inputs);
// Lower-case hex SHA-256 of the canonical serialisation of a plan_hash_input().
std::string plan_hash(const Json& hash_input);
std::string plan_hash(const api::PostgresMigration& resource, JobKind kind, const RunInputs& inputs);

// `<resource>-<kind>-<first 10 hex of hash>`, at most 63 characters and a valid DNS-1123 label: dots become
// dashes and a long resource name is shortened (the hash covers the full name, so names stay distinct).
std::string job_name(std::string_view resource_name, JobKind kind, std::string_view hash);
std::string job_name(const api::PostgresMigration& resource, JobKind kind, const RunInputs& inputs);

// A valid label value for any text: itself when it is one, else a shortened form ending in a hash of it.
std::string label_value(std::string_view text);

}  // namespace pgrevise::specs
