#include "local/pod_files.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <set>

#include "common/base64.h"
#include "common/error.h"
#include "common/redact.h"

namespace pgrevise::local {

namespace {

std::string str(const Json& j, const char* key, const std::string& fallback = "") {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// Key → value of a ConfigMap (data, binaryData) or a Secret (data base64, stringData as the API would merge
// it).
std::map<std::string, std::string> object_data(const Json& object, bool is_secret, const std::string& what) {
  std::map<std::string, std::string> out;
  if (auto it = object.find("data"); it != object.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) continue;
      out[k] = is_secret ? base64_decode(v.get<std::string>(), what + " key " + k) : v.get<std::string>();
    }
  }
  const char* extra = is_secret ? "stringData" : "binaryData";
  if (auto it = object.find(extra); it != object.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) continue;
      out[k] = is_secret ? v.get<std::string>() : base64_decode(v.get<std::string>(), what + " key " + k);
    }
  }
  return out;
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw Error(ErrorKind::kIo, "cannot write " + path.string());
}

// The hidden folder the kubelet's atomic writer names after the time of the write
// (..2026_12_06_02_24_31.565321).
std::string payload_folder_name(std::chrono::system_clock::time_point now) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char name[64];
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::snprintf(name, sizeof name, "..%04d_%02d_%02d_%02d_%02d_%02d.%06lld", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>(micros));
  return name;
}

// Lays the files out as the kubelet's atomic writer does (pkg/volume/util/atomic_writer.go), so that what
// reads the volume meets what it meets on a node: the files in a hidden timestamped folder, `..data` a link
// to that folder, and each top-level name a link into `..data` (an item path a/b.sql makes one link a).
void write_projected(const Json& source, const std::map<std::string, std::string>& data,
                     const std::filesystem::path& folder, const std::string& what,
                     std::chrono::system_clock::time_point written_at) {
  std::map<std::string, std::string> files;  // path in the volume → content
  // An item's own mode, for the owner alone: here the files belong to the user running the Pod, where the
  // kubelet's belong to root and reach the Pod's user through its group. libpq refuses a key file that
  // others may read unless root owns it.
  std::map<std::string, std::filesystem::perms> modes;
  auto items = source.find("items");
  if (items == source.end() || !items->is_array()) {
    files = data;
  } else {
    for (const auto& item : *items) {
      const auto key = str(item, "key");
      auto it = data.find(key);
      if (it == data.end()) throw_bad_input(what + " has no key '" + key + "'");
      files[str(item, "path", key)] = it->second;
      if (item.contains("mode") && item["mode"].is_number_integer()) {
        modes[str(item, "path", key)] = static_cast<std::filesystem::perms>(item["mode"].get<int>() & 0700) &
                                        std::filesystem::perms::mask;
      }
    }
  }
  const std::string payload = payload_folder_name(written_at);
  std::filesystem::create_directories(folder / payload);
  std::set<std::string> visible;
  for (const auto& [path, content] : files) {
    write_file(folder / payload / path, content);
    if (auto mode = modes.find(path); mode != modes.end()) {
      std::filesystem::permissions(folder / payload / path, mode->second);
    }
    visible.insert(std::filesystem::path(path).begin()->string());
  }
  std::filesystem::create_directory_symlink(payload, folder / "..data");
  for (const auto& name : visible)
    std::filesystem::create_symlink(std::filesystem::path("..data") / name, folder / name);
}

}  // namespace

std::map<std::string, std::filesystem::path> materialize_volumes(
    const Json& pod_spec, const std::string& ns, const JobEnvironment& env, const std::filesystem::path& dir,
    std::chrono::system_clock::time_point written_at) {
  std::map<std::string, std::filesystem::path> out;
  auto volumes = pod_spec.find("volumes");
  if (volumes == pod_spec.end() || !volumes->is_array()) return out;
  for (const auto& v : *volumes) {
    const auto name = str(v, "name");
    const auto folder = dir / "volumes" / name;
    if (v.contains("configMap") || v.contains("secret")) {
      const bool is_secret = v.contains("secret");
      const Json& src = is_secret ? v["secret"] : v["configMap"];
      const auto object_name = str(src, is_secret ? "secretName" : "name");
      const std::string what = std::string(is_secret ? "Secret " : "ConfigMap ") + ns + "/" + object_name;
      auto object = is_secret ? env.get_secret(ns, object_name) : env.get_config_map(ns, object_name);
      if (!object) {
        if (src.value("optional", false)) {
          std::filesystem::create_directories(folder);
        } else {
          throw_bad_input("volume " + name + ": " + what + " not found");
        }
      } else {
        write_projected(src, object_data(*object, is_secret, what), folder, what, written_at);
      }
    } else if (v.contains("persistentVolumeClaim")) {
      const auto claim = str(v["persistentVolumeClaim"], "claimName");
      auto it = env.claim_dirs.find(claim);
      out[name] = it != env.claim_dirs.end() ? it->second : env.default_claims_dir / claim;
      std::filesystem::create_directories(out[name]);
      continue;
    } else {
      std::filesystem::create_directories(folder);  // emptyDir and anything else a folder can stand for
    }
    out[name] = folder;
  }
  return out;
}

MountTable mounts_for(const Json& container, const std::map<std::string, std::filesystem::path>& volumes,
                      const std::filesystem::path& termination_log) {
  MountTable table;
  table.mounts.emplace_back(str(container, "terminationMessagePath", "/dev/termination-log"),
                            termination_log);
  if (auto mounts = container.find("volumeMounts"); mounts != container.end() && mounts->is_array()) {
    for (const auto& m : *mounts) {
      auto it = volumes.find(str(m, "name"));
      if (it == volumes.end())
        throw_bad_input("volumeMount " + str(m, "name") + " names no volume of the Pod");
      auto local = it->second;
      if (auto sub = str(m, "subPath"); !sub.empty()) local /= sub;
      table.mounts.emplace_back(str(m, "mountPath"), local);
    }
  }
  std::sort(table.mounts.begin(), table.mounts.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return table;
}

std::string MountTable::rewrite(const std::string& text) const {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    for (const auto& [container_path, local] : mounts) {
      if (container_path.empty() || text.compare(i, container_path.size(), container_path) != 0) continue;
      const size_t end = i + container_path.size();
      const bool boundary_before = i == 0 || text[i - 1] == '=' || text[i - 1] == ' ' || text[i - 1] == ':';
      const bool boundary_after =
          end == text.size() || text[end] == '/' || text[end] == ' ' || text[end] == ':';
      if (!boundary_before || !boundary_after) continue;
      out += local.string();
      i = end;
      replaced = true;
      break;
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

std::string expand_references(const std::string& text, const std::map<std::string, std::string>& vars) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '(') {
      auto close = text.find(')', i + 2);
      if (close != std::string::npos) {
        auto it = vars.find(text.substr(i + 2, close - i - 2));
        if (it != vars.end()) {
          out += it->second;
          i = close;
          continue;
        }
      }
    }
    out += text[i];
  }
  return out;
}

std::map<std::string, std::string> container_env(const Json& container, const std::string& ns,
                                                 const std::string& pod_name, const JobEnvironment& env) {
  std::map<std::string, std::string> vars;
  auto list = container.find("env");
  if (list == container.end() || !list->is_array()) return vars;
  for (const auto& e : *list) {
    const auto name = str(e, "name");
    if (e.contains("value")) {
      vars[name] = expand_references(str(e, "value"), vars);
      continue;
    }
    const Json from = e.value("valueFrom", Json::object());
    if (from.contains("fieldRef")) {
      const auto path = str(from["fieldRef"], "fieldPath");
      vars[name] = path == "metadata.namespace" ? ns : path == "metadata.name" ? pod_name : "";
      continue;
    }
    const bool is_secret = from.contains("secretKeyRef");
    const Json ref = is_secret ? from["secretKeyRef"] : from.value("configMapKeyRef", Json::object());
    const auto object_name = str(ref, "name");
    const std::string what = std::string(is_secret ? "Secret " : "ConfigMap ") + ns + "/" + object_name;
    auto object = is_secret ? env.get_secret(ns, object_name) : env.get_config_map(ns, object_name);
    std::map<std::string, std::string> data;
    if (object) data = object_data(*object, is_secret, what);
    auto it = data.find(str(ref, "key"));
    if (it != data.end()) {
      if (is_secret) register_secret(it->second);
      vars[name] = it->second;
    } else if (!ref.value("optional", false)) {
      throw_bad_input("env " + name + ": " + what +
                      (object ? " has no key '" + str(ref, "key") + "'" : " not found"));
    }
  }
  return vars;
}

}  // namespace pgrevise::local
