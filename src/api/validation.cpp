#include "api/validation.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "api/labels.h"
#include "common/duration.h"
#include "common/strings.h"

namespace pgrevise::api {
namespace {

bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool digits_only(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string shown_value(std::string_view s) {
  return quote_for_message(s);
}

// A label name part: alphanumerics, '-', '_', '.', starting and ending alphanumeric, at most 63.
std::string qualified_name_part_problem(std::string_view s) {
  if (s.empty()) return "must not be empty";
  if (s.size() > 63) return "must be at most 63 characters";
  if (!alnum(s.front()) || !alnum(s.back())) return "must start and end with a letter or digit";
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.')
      return "may contain only letters, digits, '-', '_' and '.'";
  }
  return "";
}

// A revision id, prefix or branch label. Alembic takes any string as a revision id but one holding '@',
// '-' or '+' (the target's form sorts those out), and a migration file's header cannot hold a line break.
bool revision_token(std::string_view s) {
  return !s.empty() && s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

class Checker {
 public:
  void add(const std::string& path, const std::string& message) {
    errors.push_back({printable(path), printable(message)});
  }

  void name(const std::string& path, std::string_view value) {
    if (auto problem = dns1123_subdomain_problem(value); !problem.empty()) {
      add(path, "invalid name " + shown_value(value) + ": " + problem);
    }
  }
  void key(const std::string& path, std::string_view value) {
    if (auto problem = secret_key_problem(value); !problem.empty())
      add(path, "invalid key " + shown_value(value) + ": " + problem);
  }
  void non_empty(const std::string& path, std::string_view value, std::size_t max) {
    if (value.empty()) {
      add(path, "must not be empty");
    } else if (value.size() > max) {
      add(path,
          "must be at most " + std::to_string(max) + " characters, got " + std::to_string(value.size()));
    }
  }
  void range(const std::string& path, std::int64_t value, std::int64_t min, std::int64_t max) {
    if (value < min || value > max) {
      add(path, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                    std::to_string(value));
    }
  }
  void timeout(const std::string& path, std::chrono::milliseconds value) {
    if (value.count() < 0 || value > kMaxTimeout) {
      add(path, "must be between 0 and " + format_duration(kMaxTimeout) + ", got " + format_duration(value));
    }
  }
  void labels(const std::string& path, const std::map<std::string, std::string>& labels) {
    for (const auto& [k, v] : labels) {
      if (auto problem = label_key_problem(k); !problem.empty())
        add(path + "." + k, "invalid label key: " + problem);
      if (auto problem = label_value_problem(v); !problem.empty()) {
        add(path + "." + k, "invalid label value " + shown_value(v) + ": " + problem);
      }
    }
  }

  std::vector<FieldError> errors;
};

void check_database_tls(Checker& c, const DatabaseSpec& db) {
  const DatabaseTlsSpec& tls = *db.tls;
  if (tls.ca_secret_ref && tls.ca_config_map_ref) {
    c.add("spec.database.tls", "set one of caSecretRef or caConfigMapRef, not both");
  }
  if (!tls.ca_secret_ref && !tls.ca_config_map_ref && !tls.client_cert_secret_ref) {
    c.add("spec.database.tls", "set caSecretRef or caConfigMapRef, clientCertSecretRef, or both");
  }
  if (tls.ca_secret_ref) {
    c.name("spec.database.tls.caSecretRef.name", tls.ca_secret_ref->name);
    c.key("spec.database.tls.caSecretRef.key", tls.ca_secret_ref->key);
  }
  if (tls.ca_config_map_ref) {
    c.name("spec.database.tls.caConfigMapRef.name", tls.ca_config_map_ref->name);
    c.key("spec.database.tls.caConfigMapRef.key", tls.ca_config_map_ref->key);
  }
  if (const auto& client = tls.client_cert_secret_ref) {
    c.name("spec.database.tls.clientCertSecretRef.name", client->name);
    c.key("spec.database.tls.clientCertSecretRef.certKey", client->cert_key);
    c.key("spec.database.tls.clientCertSecretRef.keyKey", client->key_key);
    if (client->cert_key == client->key_key) {
      c.add("spec.database.tls.clientCertSecretRef.keyKey", "must differ from certKey");
    }
  }
  // libpq checks the server against a CA from require on (require with a CA acts as verify-ca).
  const bool verifies =
      db.ssl_mode == "require" || db.ssl_mode == "verify-ca" || db.ssl_mode == "verify-full";
  if ((tls.ca_secret_ref || tls.ca_config_map_ref) && !verifies && !db.url_secret_ref) {
    c.add("spec.database.sslMode",
          "a CA in spec.database.tls needs sslMode verify-full or verify-ca (it is " +
              shown_value(db.ssl_mode.empty() ? "unset" : db.ssl_mode) + ")");
  }
}

void check_database(Checker& c, const DatabaseSpec& db) {
  if (db.tls) check_database_tls(c, db);
  c.range("spec.database.port", db.port, 1, 65535);
  if (!db.ssl_mode.empty() &&
      std::find(std::begin(kSslModes), std::end(kSslModes), db.ssl_mode) == std::end(kSslModes)) {
    c.add("spec.database.sslMode",
          "unknown mode " + shown_value(db.ssl_mode) +
              " (expected disable, allow, prefer, require, verify-ca or verify-full)");
  }
  const bool has_url = db.url_secret_ref.has_value();
  const bool has_host = !db.host.empty();
  if (has_url && has_host) {
    // Which one was meant is unclear, so what either would need is not reported.
    return c.add("spec.database", "set exactly one of urlSecretRef or host, not both");
  }
  if (!has_url && !has_host) {
    c.add("spec.database",
          "set exactly one of urlSecretRef or host (with dbname, user and passwordSecretRef)");
  }
  if (has_url) {
    c.name("spec.database.urlSecretRef.name", db.url_secret_ref->name);
    c.key("spec.database.urlSecretRef.key", db.url_secret_ref->key);
    for (const auto& [set, field] :
         {std::pair{!db.dbname.empty(), "dbname"}, std::pair{!db.user.empty(), "user"},
          std::pair{db.password_secret_ref.has_value(), "passwordSecretRef"}}) {
      if (set)
        c.add(std::string("spec.database.") + field, "only used with host; the URL in urlSecretRef names it");
    }
  }
  if (has_host) {
    c.non_empty("spec.database.host", db.host, kMaxNameLength);
    c.non_empty("spec.database.dbname", db.dbname, kMaxIdentifierLength);
    c.non_empty("spec.database.user", db.user, kMaxIdentifierLength);
    if (!db.password_secret_ref) {
      c.add("spec.database.passwordSecretRef", "required with host");
    } else {
      c.name("spec.database.passwordSecretRef.name", db.password_secret_ref->name);
      c.key("spec.database.passwordSecretRef.key", db.password_secret_ref->key);
    }
  }
}

void check_migrations(Checker& c, const MigrationsSource& m) {
  if (m.config_map_ref.has_value() == m.image.has_value()) {
    c.add("spec.migrations", m.image ? "set exactly one of configMapRef or image, not both"
                                     : "set exactly one of configMapRef or image");
  }
  if (m.config_map_ref) c.name("spec.migrations.configMapRef.name", m.config_map_ref->name);
  if (m.image) {
    c.non_empty("spec.migrations.image.image", m.image->image, kMaxImageLength);
    c.non_empty("spec.migrations.image.path", m.image->path, kMaxPathLength);
    if (!m.image->path.empty() && m.image->path.front() != '/') {
      c.add("spec.migrations.image.path", "must be an absolute path, got " + shown_value(m.image->path));
    } else if (!m.image->path.empty() &&
               std::filesystem::path(m.image->path).lexically_normal().relative_path().empty()) {
      // The copy init container mounts its volume somewhere in the image, which is always inside its root.
      c.add("spec.migrations.image.path",
            "must name the folder that holds the migrations, not the image's root folder, got " +
                shown_value(m.image->path));
    }
  }
}

void check_runner(Checker& c, const RunnerSpec& runner) {
  if (!runner.read_only_root_filesystem && !runner.command) {
    c.add("spec.runner.readOnlyRootFilesystem",
          "may be false only with spec.runner.command: the builtin runner always runs with a read-only root "
          "filesystem");
  }
  if (!runner.command) return;
  c.non_empty("spec.runner.command.image", runner.command->image, kMaxImageLength);
  if (runner.command->command.empty()) c.add("spec.runner.command.command", "must name the program to run");
  for (const auto& [list, field] :
       {std::pair{&runner.command->command, "command"}, std::pair{&runner.command->args, "args"}}) {
    const std::string path = std::string("spec.runner.command.") + field;
    if (list->size() > kMaxArgCount) c.add(path, "at most " + std::to_string(kMaxArgCount) + " entries");
    for (std::size_t i = 0; i < list->size(); ++i) {
      if ((*list)[i].size() > kMaxArgLength) c.add(path + "[" + std::to_string(i) + "]", "too long");
    }
  }
}

// Labels and annotations the operator or the Job controller set on the Jobs and Pods themselves (labels.h).
void check_not_reserved(Checker& c, const std::string& path, const std::map<std::string, std::string>& keys) {
  for (const auto& [k, v] : keys) {
    if (!is_reserved_key(k)) continue;
    c.add(
        path + "." + k,
        "reserved: the operator or the Job controller sets this key on the Jobs and their Pods and selects "
        "them by it; use a key of your own (not app.kubernetes.io/managed-by, job-name, controller-uid, nor "
        "one under pgrevise.dev/ or batch.kubernetes.io/)");
  }
}

void check_annotation_keys(Checker& c, const std::string& path,
                           const std::map<std::string, std::string>& keys) {
  for (const auto& [k, v] : keys) {
    if (auto problem = label_key_problem(k); !problem.empty())
      c.add(path + "." + k, "invalid key: " + problem);
  }
}

void check_job_metadata(Checker& c, const JobOverrides& job) {
  c.labels("spec.job.labels", job.labels);
  c.labels("spec.job.podLabels", job.pod_labels);
  check_annotation_keys(c, "spec.job.annotations", job.annotations);
  check_annotation_keys(c, "spec.job.podAnnotations", job.pod_annotations);
  check_not_reserved(c, "spec.job.labels", job.labels);
  check_not_reserved(c, "spec.job.podLabels", job.pod_labels);
  check_not_reserved(c, "spec.job.annotations", job.annotations);
  check_not_reserved(c, "spec.job.podAnnotations", job.pod_annotations);
}

void check_job(Checker& c, const JobOverrides& job) {
  if (!job.image.empty()) c.non_empty("spec.job.image", job.image, kMaxImageLength);
  if (!job.service_account_name.empty()) c.name("spec.job.serviceAccountName", job.service_account_name);
  if (!job.priority_class_name.empty()) c.name("spec.job.priorityClassName", job.priority_class_name);
  for (std::size_t i = 0; i < job.image_pull_secrets.size(); ++i) {
    c.name("spec.job.imagePullSecrets[" + std::to_string(i) + "].name", job.image_pull_secrets[i]);
  }
  c.range("spec.job.activeDeadlineSeconds", job.active_deadline_seconds, 1, kMaxActiveDeadlineSeconds);
  c.range("spec.job.backoffLimit", job.backoff_limit, 0, kMaxBackoffLimit);
  if (job.ttl_seconds_after_finished) {
    c.range("spec.job.ttlSecondsAfterFinished", *job.ttl_seconds_after_finished, 0,
            kMaxTtlSecondsAfterFinished);
  }
  c.labels("spec.job.nodeSelector", job.node_selector);
  check_job_metadata(c, job);
}

}  // namespace

ValidationError::ValidationError(std::vector<FieldError> errors)
    : Error(ErrorKind::kBadInput, describe(errors)), errors_(std::move(errors)) {}

std::string quote_for_message(std::string_view text, std::size_t limit) {
  const bool cut = text.size() > limit;
  std::string out = Json(std::string(text.substr(0, cut ? limit : text.size())))
                        .dump(-1, ' ', /*ensure_ascii=*/true, Json::error_handler_t::replace);
  if (cut) out.insert(out.size() - 1, "...");
  return out;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = c < 0x80           ? 1
                               : (c >> 5) == 0x6  ? 2
                               : (c >> 4) == 0xe  ? 3
                               : (c >> 3) == 0x1e ? 4
                                                  : 0;
    bool valid = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k)
      valid = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
    if (!valid || (length == 1 && (c < 0x20 || c == 0x7f))) {
      out += '?';
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

std::string describe(const std::vector<FieldError>& errors) {
  return lines_of(errors);
}

std::string dns1123_subdomain_problem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxNameLength) return "must be at most 253 characters";
  if (!lower_alnum(name.front()) || !lower_alnum(name.back())) {
    return "must start and end with a lowercase letter or digit";
  }
  for (char c : name) {
    if (!lower_alnum(c) && c != '-' && c != '.')
      return "may contain only lowercase letters, digits, '-' and '.'";
  }
  return "";
}

std::string secret_key_problem(std::string_view key) {
  if (key.empty()) return "must not be empty";
  if (key.size() > kMaxNameLength) return "must be at most 253 characters";
  if (key == "." || key == "..") return "must not be '.' or '..'";
  for (char c : key) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.')
      return "may contain only letters, digits, '-', '_' and '.'";
  }
  return "";
}

std::string label_key_problem(std::string_view key) {
  const auto slash = key.find('/');
  if (slash != std::string_view::npos) {
    if (auto problem = dns1123_subdomain_problem(key.substr(0, slash)); !problem.empty())
      return "prefix " + problem;
    key = key.substr(slash + 1);
  }
  return qualified_name_part_problem(key);
}

std::string label_value_problem(std::string_view value) {
  return value.empty() ? "" : qualified_name_part_problem(value);
}

std::string target_syntax_problem(std::string_view target) {
  if (target.empty()) return "must not be empty";
  if (target.size() > kMaxTargetLength)
    return "must be at most " + std::to_string(kMaxTargetLength) + " characters";
  const auto at = target.find('@');
  if (at != std::string_view::npos) {
    const auto label = target.substr(0, at);
    const auto rest = target.substr(at + 1);
    if (rest.find('@') != std::string_view::npos) return "at most one '@' (LABEL@head)";
    if (!revision_token(label)) return "the branch label before '@' must not be empty or hold a line break";
    if (rest.empty()) return "nothing after '@' (expected LABEL@head, LABEL@heads, LABEL@base or LABEL@REV)";
    if ((rest.front() == '+' || rest.front() == '-') && digits_only(rest.substr(1))) {
      return "relative target " + std::string(rest) +
             " moves from the database's current heads on every run; name a revision instead";
    }
    target = rest;
  } else if ((target.front() == '+' || target.front() == '-') && digits_only(target.substr(1))) {
    return "relative target " + std::string(target) +
           " moves from the database's current heads on every run; name a revision (e.g. REV+1) instead";
  }
  // REV+N / REV-N: the suffix after the last sign, when it is digits, is a step count.
  const auto sign = target.find_last_of("+-");
  if (sign != std::string_view::npos && sign > 0 && digits_only(target.substr(sign + 1)))
    target = target.substr(0, sign);
  if (target.find('+') != std::string_view::npos) return "'+' only in REV+N with N a number";
  if (!revision_token(target)) {
    return "expected heads, head, base, a revision id or prefix, LABEL@head, or REV+N, on one line";
  }
  return "";
}

std::vector<FieldError> validate_spec(const Spec& spec) {
  Checker c;
  check_database(c, spec.database);
  if (auto problem = target_syntax_problem(spec.target_revision); !problem.empty()) {
    c.add("spec.targetRevision",
          spec.target_revision.empty()
              ? "required (an Alembic target such as heads or a revision id)"
              : "invalid target " + shown_value(spec.target_revision) + ": " + problem);
  }
  check_migrations(c, spec.migrations);
  check_runner(c, spec.runner);
  c.non_empty("spec.versionTable.schema", spec.version_table.schema, kMaxIdentifierLength);
  c.non_empty("spec.versionTable.name", spec.version_table.name, kMaxIdentifierLength);
  if (spec.backup.persistent_volume_claim) {
    c.name("spec.backup.persistentVolumeClaim.claimName", spec.backup.persistent_volume_claim->claim_name);
  }
  c.range("spec.backup.retain", spec.backup.retain, 1, kMaxRetain);
  c.range("spec.backup.compressLevel", spec.backup.compress_level, 0, kMaxCompressLevel);
  c.timeout("spec.safety.lockTimeout", spec.safety.lock_timeout);
  c.timeout("spec.safety.statementTimeout", spec.safety.statement_timeout);
  c.range("spec.safety.lockRetries", spec.safety.lock_retries, 0, kMaxLockRetries);
  if (spec.safety.lint != kLintOff && spec.safety.lint != kLintWarn && spec.safety.lint != kLintBlock)
    c.add("spec.safety.lint",
          "unknown mode " + shown_value(spec.safety.lint) + " (expected off, warn or block)");
  check_job(c, spec.job);
  return std::move(c.errors);
}

std::vector<FieldError> validate(const PostgresMigration& resource) {
  std::vector<FieldError> errors;
  if (resource.metadata.name.empty()) errors.push_back({"metadata.name", "required"});
  auto spec_errors = validate_spec(resource.spec);
  errors.insert(errors.end(), spec_errors.begin(), spec_errors.end());
  return errors;
}

}  // namespace pgrevise::api
