#include "common/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <chrono>
#include <set>

#include "common/error.h"

extern char** environ;

namespace pgrevise {

namespace {

std::vector<std::string> build_environment(const ProcessSpec& spec) {
  std::vector<std::string> env;
  std::set<std::string> drop(spec.env_unset.begin(), spec.env_unset.end());
  for (const auto& [k, v] : spec.env_set) drop.insert(k);
  if (spec.inherit_env) {
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry(*e);
      auto eq = entry.find('=');
      if (eq != std::string::npos && drop.count(entry.substr(0, eq))) continue;
      env.push_back(std::move(entry));
    }
  }
  for (const auto& [k, v] : spec.env_set) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> as_c_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The command line and environment as execvpe takes them, made before fork: between fork and exec the child
// of a multithreaded process may only make system calls (another thread may have held the allocator's lock at
// fork).
struct ExecArguments {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::vector<char*> argv;
  std::vector<char*> envp;

  explicit ExecArguments(const ProcessSpec& spec)
      : args(spec.argv), env(build_environment(spec)), argv(as_c_array(args)), envp(as_c_array(env)) {}
};

[[noreturn]] void exec_child(const ProcessSpec& spec, const ExecArguments& exec, int in_r, int out_w,
                             int err_w, int status_w) {
  // Its own process group, so that a timeout or kill() reaches the grandchildren a shell script starts too.
  setpgid(0, 0);
  dup2(spec.stdin_fd >= 0 ? spec.stdin_fd : in_r, STDIN_FILENO);
  if (spec.stdout_fd >= 0) {
    dup2(spec.stdout_fd, STDOUT_FILENO);
  } else if (!spec.stdout_file.empty()) {
    int fd = ::open(spec.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      int e = errno;
      (void)!::write(status_w, &e, sizeof e);
      _exit(127);
    }
    dup2(fd, STDOUT_FILENO);
  } else {
    dup2(out_w, STDOUT_FILENO);
  }
  dup2(err_w, STDERR_FILENO);
  if (!spec.working_dir.empty() && chdir(spec.working_dir.c_str()) != 0) {
    int e = errno;
    (void)!::write(status_w, &e, sizeof e);
    _exit(127);
  }
  execvpe(exec.argv[0], exec.argv.data(), exec.envp.data());
  int e = errno;
  (void)!::write(status_w, &e, sizeof e);
  _exit(127);
}

}  // namespace

ChildProcess::ChildProcess(const ProcessSpec& spec, const Clock& clock)
    : stdin_data_(spec.stdin_data), timeout_(spec.timeout), clock_(clock) {
  // A child that exits before reading its stdin must surface as a short write, not kill this process.
  static const bool sigpipe_ignored = (std::signal(SIGPIPE, SIG_IGN), true);
  (void)sigpipe_ignored;
  if (spec.argv.empty()) throw Error(ErrorKind::kInternal, "empty command line");
  const ExecArguments exec(spec);
  int in_p[2], out_p[2], err_p[2], status_p[2];
  if (pipe2(in_p, O_CLOEXEC) || pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC) ||
      pipe2(status_p, O_CLOEXEC)) {
    throw Error(ErrorKind::kIo, std::string("pipe: ") + std::strerror(errno));
  }
  pid_ = fork();
  if (pid_ < 0) throw Error(ErrorKind::kIo, std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) exec_child(spec, exec, in_p[0], out_p[1], err_p[1], status_p[1]);
  setpgid(pid_, pid_);  // also here, so a kill right after fork cannot miss the group
  ::close(in_p[0]);
  ::close(out_p[1]);
  ::close(err_p[1]);
  ::close(status_p[1]);
  in_fd_ = in_p[1];
  out_fd_ = out_p[0];
  err_fd_ = err_p[0];
  int child_errno = 0;
  ssize_t n = ::read(status_p[0], &child_errno, sizeof child_errno);
  ::close(status_p[0]);
  if (n == sizeof child_errno) {
    int st;
    waitpid(pid_, &st, 0);
    waited_ = true;
    ::close(in_fd_);
    ::close(out_fd_);
    ::close(err_fd_);
    throw Error(ErrorKind::kIo, "cannot start " + spec.argv[0] + ": " + std::strerror(child_errno));
  }
}

ChildProcess::~ChildProcess() {
  if (!waited_ && pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    int st;
    waitpid(pid_, &st, 0);
  }
  for (int fd : {in_fd_, out_fd_, err_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

void ChildProcess::kill(int signal) {
  if (!waited_ && pid_ > 0) ::kill(-pid_, signal);
}

ProcessResult ChildProcess::wait() {
  ProcessResult result;
  const auto start = clock_.steady_now();
  std::string pending_in = stdin_data_.value_or("");
  size_t in_off = 0;
  if (pending_in.empty()) {
    ::close(in_fd_);
    in_fd_ = -1;
  }
  char buf[65536];
  while (out_fd_ >= 0 || err_fd_ >= 0) {
    std::vector<pollfd> fds;
    if (out_fd_ >= 0) fds.push_back({out_fd_, POLLIN, 0});
    if (err_fd_ >= 0) fds.push_back({err_fd_, POLLIN, 0});
    if (in_fd_ >= 0) fds.push_back({in_fd_, POLLOUT, 0});
    int wait_ms = 200;
    if (timeout_ && clock_.steady_now() - start > *timeout_) {
      result.timed_out = true;
      ::kill(-pid_, SIGKILL);
    }
    int rc = ::poll(fds.data(), fds.size(), wait_ms);
    if (rc < 0 && errno != EINTR) break;
    for (auto& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in_fd_) {
        ssize_t w = ::write(in_fd_, pending_in.data() + in_off, pending_in.size() - in_off);
        if (w > 0) in_off += static_cast<size_t>(w);
        if (w < 0 || in_off == pending_in.size()) {
          ::close(in_fd_);
          in_fd_ = -1;
        }
        continue;
      }
      ssize_t r = ::read(p.fd, buf, sizeof buf);
      if (r <= 0) {
        ::close(p.fd);
        (p.fd == out_fd_ ? out_fd_ : err_fd_) = -1;
        continue;
      }
      if (p.fd == out_fd_) {
        result.out.append(buf, static_cast<size_t>(r));
      } else {
        result.err.append(buf, static_cast<size_t>(r));
        if (on_stderr_) on_stderr_(std::string(buf, static_cast<size_t>(r)));
      }
    }
  }
  if (in_fd_ >= 0) {
    ::close(in_fd_);
    in_fd_ = -1;
  }
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  waited_ = true;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

ProcessResult run_process(const ProcessSpec& spec, const Clock& clock) {
  ChildProcess child(spec, clock);
  return child.wait();
}

}  // namespace pgrevise
