#pragma once

#include <string>
#include <vector>

#include "api/types.h"
#include "specs/settings.h"

namespace pgrevise::specs {

// The building blocks the Job builders share: security contexts, the database environment, the migrations
// volume, overrides. Pure: values in, JSON out.

inline constexpr std::string_view kMigrationsVolume = "migrations";
inline constexpr std::string_view kTmpVolume = "tmp";
inline constexpr std::string_view kBackupsVolume = "backups";
inline constexpr std::string_view kCopyMigrationsContainer = "copy-migrations";
// Where the copy init container mounts the migrations emptyDir inside the migrations image: a top-level
// folder of ours, because a volume mounted over a path hides what the image has there. The second serves
// when the image's own path lies in the first (top-level folders never overlap one another).
inline constexpr std::string_view kCopyDestinationPath = "/pgrevise-migrations";
inline constexpr std::string_view kCopyDestinationFallbackPath = "/pgrevise-migrations-copy";

// Pod Security Standards `restricted`: a numeric non-root user, RuntimeDefault seccomp, no privilege
// escalation, every capability dropped, and a read-only root filesystem (scratch space is an emptyDir at
// /tmp).
Json pod_security_context(const OperatorSettings& settings);
Json container_security_context(const OperatorSettings& settings);

// Connection settings as environment variables. Credentials come only through secretKeyRef: DATABASE_URL from
// urlSecretRef, or PGHOST/PGPORT/PGDATABASE/PGUSER/PGSSLMODE as values plus PGPASSWORD from
// passwordSecretRef. Nothing secret is ever a literal value.
Json database_env(const api::DatabaseSpec& database);
Json env_value(const std::string& name, const std::string& value);

// The migrations volume: the ConfigMap mounted read-only (only `keys` when given, each as a file of the same
// name), or an emptyDir that the init container from copy_migrations_container() fills from the image. The
// runner container mounts it at kMigrationsMountPath either way.
Json migrations_volume(const api::MigrationsSource& source, const std::vector<std::string>& keys);
// The init container that runs the migrations image with the emptyDir mounted at copy_destination_path() of
// the image's path (and nothing else mounted, so no part of the image is hidden) and copies the content of
// that path into it: `cp -R <path>/. <destination>`. Null JSON when the migrations come from a ConfigMap.
// Throws Error(kBadInput) for the image's root folder, which every mount path lies in.
Json copy_migrations_container(const api::MigrationsSource& source, const api::JobOverrides& overrides,
                               const OperatorSettings& settings);
// kCopyDestinationPath, or kCopyDestinationFallbackPath when `image_path` (compared as a lexically normal
// path) is the former, lies in it or above it; "" when it overlaps both (only the root folder does).
std::string copy_destination_path(std::string_view image_path);

// spec.job.resources, else the operator's default (null when neither is set).
Json container_resources(const api::JobOverrides& overrides, const OperatorSettings& settings);
// The runner image: spec.job.image, else the operator's --runner-image.
std::string runner_image(const api::JobOverrides& overrides, const OperatorSettings& settings);

// Copies the Pod-level overrides (service account, priority class, node selector, tolerations, affinity,
// image pull secrets: the operator's, then the resource's) into a Pod spec.
void apply_pod_overrides(Json& pod_spec, const api::JobOverrides& overrides,
                         const OperatorSettings& settings);

}  // namespace pgrevise::specs
